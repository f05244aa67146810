"""Benchmark: hw01's numpy SGNS (the reference solution in the source notebook) against gensim's Word2Vec.

Both train on lower-cased Brown with the same settings (skip-gram, 5 negatives, window 5, min_count 5,
100 dimensions, sample 1e-3, learning rate 0.025 -> 0.0001) for the same number of epochs, in the same run.
Prints WordSim-353 and SimLex-999 Spearman per seed and their means, wall seconds, raw corpus words per second
and the speed ratio; exits with status 1 when the mean WordSim-353 Spearman of the two differs by more than
--max-gap (0.03). Not a pytest test (it takes several minutes):

    python tests/benchmarks/hw01_word_vectors_vs_gensim.py [--epochs 5] [--seeds 0 1 2]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

# Cells that only import or define things: the setup, the given definitions and the reference solutions.
DEFINITION_CELLS = {"setup", "imports", "given_vocab", "given_cooc"}


def load_reference() -> dict:
    """The setup cell, the given definitions and every solution cell of hw01's source notebook, executed."""
    return reference.load_reference("hw01_word_vectors", DEFINITION_CELLS,
                                    {"build_vocab", "encode", "train_sgns", "evaluate_similarity"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--workers", type=int, default=2, help="gensim worker threads")
    parser.add_argument("--max-gap", type=float, default=0.03, help="largest allowed |mean WS-353 difference|")
    args = parser.parse_args(argv)

    import helpers
    from gensim.models import Word2Vec

    ref = load_reference()
    sentences = helpers.load_brown(lower=True)
    raw_words = sum(len(s) for s in sentences)
    vocab = ref["build_vocab"](sentences, min_count=5)
    ids, sentence_ids = ref["encode"](sentences, vocab)
    benchmarks = {name: helpers.load_word_similarity(name) for name in ("ws353", "simlex999")}
    print(helpers.describe_hardware())
    print(f"Brown: {len(sentences):,} sentences, {raw_words:,} tokens; vocabulary {len(vocab):,} (min_count 5), "
          f"{len(ids):,} in-vocabulary tokens; {args.epochs} epochs, seeds {args.seeds}\n", flush=True)

    rows = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        W_in, _, _ = ref["train_sgns"](ids, sentence_ids, vocab.counts, dim=100, window=5, negative=5, epochs=args.epochs,
                                       lr0=0.025, lr_min=1e-4, sample=1e-3, batch_size=1024,
                                       rng=np.random.default_rng(seed), show_progress=False)
        seconds = time.perf_counter() - t0
        scores = {name: ref["evaluate_similarity"](W_in, vocab.stoi, pairs)[0] for name, pairs in benchmarks.items()}
        rows.append(("numpy SGNS (hw01)", seed, scores["ws353"], scores["simlex999"], seconds))
        print(f"numpy  seed {seed}: WS-353 {scores['ws353']:.3f}  SimLex {scores['simlex999']:.3f}  {seconds:.1f} s", flush=True)

        t0 = time.perf_counter()
        model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, hs=0, negative=5, sample=1e-3,
                         alpha=0.025, min_alpha=1e-4, workers=args.workers, epochs=args.epochs, seed=seed)
        seconds = time.perf_counter() - t0
        if len(model.wv) != len(vocab):
            print(f"warning: gensim vocabulary {len(model.wv):,} words vs {len(vocab):,}", file=sys.stderr)
        scores = {name: ref["evaluate_similarity"](model.wv.vectors, model.wv.key_to_index, pairs)[0]
                  for name, pairs in benchmarks.items()}
        rows.append(("gensim Word2Vec", seed, scores["ws353"], scores["simlex999"], seconds))
        print(f"gensim seed {seed}: WS-353 {scores['ws353']:.3f}  SimLex {scores['simlex999']:.3f}  {seconds:.1f} s", flush=True)

    means = reference.print_similarity_table(rows, args.epochs * raw_words)
    gap = means["numpy SGNS (hw01)"][0] - means["gensim Word2Vec"][0]
    ratio = means["gensim Word2Vec"][2] / means["numpy SGNS (hw01)"][2]
    print(f"\nmean WS-353 gap (numpy - gensim): {gap:+.3f}  (allowed: +-{args.max_gap})")
    print(f"speed: gensim ({args.workers} workers) is {ratio:.1f}x faster than the numpy trainer in raw words/s")
    if abs(gap) > args.max_gap:
        print("FAIL: the numpy SGNS is not within the allowed gap of gensim", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
