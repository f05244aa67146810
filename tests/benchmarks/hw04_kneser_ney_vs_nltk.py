"""Benchmark: hw04's interpolated Kneser-Ney (count_ngrams, continuation_counts and kn_prob, the reference solution read
from the source notebook) against NLTK's ``nltk.lm.KneserNeyInterpolated``.

Both are estimated on the first 90% of Brown's sentences (lower-cased; words seen once -> <unk>) from the same padded
trigrams, with the same discount. Prints the per-token log-probabilities of both on a sample of test sentences and their
largest difference, the full-test perplexity of hw04's model, both scoring speeds and the ratio; exits with status 1
when a log-probability differs by more than --tolerance. Not a pytest test (NLTK needs about 0.2 s per token):

    python tests/benchmarks/hw04_kneser_ney_vs_nltk.py [--sample-sentences 8] [--discount 0.75]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

DEFINITION_CELLS = {"setup", "imports", "prepare_corpus", "follower_table", "nltk_kneser_ney"}
ORDER = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample-sentences", type=int, default=8, help="test sentences NLTK scores (from the first)")
    parser.add_argument("--discount", type=float, default=0.75)
    parser.add_argument("--tolerance", type=float, default=1e-9, help="largest allowed |log-probability difference|")
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)

    import helpers

    ref = reference.load_reference("hw04_language_models", DEFINITION_CELLS,
                                   {"build_vocab", "prepare_corpus", "count_ngrams", "continuation_counts", "tabulate",
                                    "kn_prob", "token_log_probs", "perplexity", "nltk_kneser_ney"})
    print(helpers.describe_hardware())
    brown = helpers.load_brown()
    n90 = int(0.9 * len(brown))
    train, test = brown[:n90], brown[n90:]
    vocab = ref["build_vocab"](train)
    train_prepared = ref["prepare_corpus"](train, vocab, ORDER)
    test_prepared = ref["prepare_corpus"](test, vocab, ORDER)
    print(f"Brown: {len(train):,} training and {len(test):,} test sentences; vocabulary {len(vocab):,}; "
          f"trigrams, discount {args.discount}\n", flush=True)

    start = time.perf_counter()
    counts = ref["count_ngrams"](train_prepared, ORDER)
    tables, continuation = ref["tabulate"](counts), ref["tabulate"](ref["continuation_counts"](counts))
    ours_fit = time.perf_counter() - start

    def ours(context, word):
        return ref["kn_prob"](tables, continuation, context, word, args.discount)

    start = time.perf_counter()
    test_log_probs = ref["token_log_probs"](ours, test_prepared, ORDER)
    ours_seconds = time.perf_counter() - start
    ours_rate = len(test_log_probs) / ours_seconds

    start = time.perf_counter()
    nltk_model = ref["nltk_kneser_ney"](counts, args.discount)
    nltk_fit = time.perf_counter() - start
    sample = [(tuple(tokens[i - ORDER + 1:i]), tokens[i]) for tokens in test_prepared[:args.sample_sentences]
              for i in range(ORDER - 1, len(tokens))]
    start = time.perf_counter()
    theirs = np.array([math.log(nltk_model.score(word, context)) for context, word in helpers.progress(sample, desc="NLTK")])
    nltk_rate = len(sample) / (time.perf_counter() - start)
    mine = np.array([math.log(ours(context, word)) for context, word in sample])

    print(f"{'context':<30}{'word':<16}{'hw04':>12}{'NLTK':>12}")
    for (context, word), a, b in zip(sample, mine, theirs):
        print(f"{' '.join(context):<30}{word:<16}{a:>12.6f}{b:>12.6f}")
    gap = float(np.max(np.abs(mine - theirs)))
    print(f"\nlargest |log-probability difference| over {len(sample)} test tokens: {gap:.2e}")
    print(f"hw04 Kneser-Ney test perplexity {ref['perplexity'](test_log_probs):.2f} on {len(test_log_probs):,} tokens")
    print(f"estimation: hw04 {ours_fit:.1f} s, NLTK {nltk_fit:.1f} s")
    print(f"scoring: hw04 {ours_rate:,.0f} tokens/s (the whole test set in {ours_seconds:.1f} s), NLTK {nltk_rate:.2f} tokens/s; "
          f"hw04 is {ours_rate / nltk_rate:,.0f}x faster; NLTK would need {len(test_log_probs) / nltk_rate / 3600:.1f} h for the "
          "test set")
    if gap > args.tolerance:
        print(f"FAIL: the log-probabilities differ by more than {args.tolerance:g}")
        return 1
    print("OK: the same log-probabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
