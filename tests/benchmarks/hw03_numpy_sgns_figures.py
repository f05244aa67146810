"""Stored figures for hw03's Part 5: hw01's numpy SGNS trainer (the reference solution of hw01's source notebook),
trained on lower-cased Brown with hw01's settings, measured once and written to a JSON file.

hw03 must not ship hw01's solutions (every release is public at once), so its notebook compares the student's PyTorch
word2vec with these stored figures instead of running hw01's code: seconds, training pairs per second, the loss curve
(mean SGNS loss per pair, every 100 batches of 1,024 pairs) and the WordSim-353 / SimLex-999 Spearman of the vectors,
for the full run (5 epochs on all of Brown) and for the run the notebook does under ``FAST`` (1 epoch on the first
5,000 sentences). The notebook's ``numpy_figures`` cell holds a copy of this file's content; regenerate both with

    python tests/benchmarks/hw03_numpy_sgns_figures.py [--rev COMMIT] [--out tests/benchmarks/hw03_numpy_sgns_figures.json]

``--rev`` reads hw01's notebook from that commit (``git show REV:source/hw01_word_vectors/...``) rather than the
working tree, so that the figures do not move while hw01 is being edited. Not a pytest test (minutes).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

ROOT = reference.ROOT
HW01 = "source/hw01_word_vectors/hw01_word_vectors.ipynb"
DEFINITION_CELLS = {"setup", "imports", "given_vocab"}


def run(ref: dict, sentences: list, epochs: int, seed: int, benchmarks: dict) -> dict:
    vocab = ref["build_vocab"](sentences, min_count=5)
    ids, sentence_ids = ref["encode"](sentences, vocab)
    t0 = time.perf_counter()
    W, _, history = ref["train_sgns"](ids, sentence_ids, vocab.counts, epochs=epochs, rng=np.random.default_rng(seed),
                                      show_progress=False)
    seconds = time.perf_counter() - t0
    scores = {name: ref["evaluate_similarity"](W, vocab.stoi, pairs) for name, pairs in benchmarks.items()}
    pairs = int(sum(history["pairs"]))
    return {
        "sentences": len(sentences), "raw_tokens": int(sum(len(s) for s in sentences)), "vocab_size": len(vocab),
        "in_vocab_tokens": int(len(ids)), "epochs": epochs, "seed": seed,
        "tokens_kept_per_epoch": history["tokens_kept"], "pairs_per_epoch": history["pairs"],
        "seconds": round(seconds, 1), "pairs_per_second": round(pairs / seconds),
        "ws353": round(float(scores["ws353"][0]), 4), "ws353_pairs_used": int(scores["ws353"][1]),
        "simlex999": round(float(scores["simlex999"][0]), 4), "simlex999_pairs_used": int(scores["simlex999"][1]),
        "loss_every_100_batches": [round(float(x), 4) for x in history["loss"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default=None, help="git revision to read hw01's notebook from (default: working tree)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "tests" / "benchmarks" / "hw03_numpy_sgns_figures.json"))
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)
    import helpers

    ref = reference.load_reference("hw01_word_vectors", DEFINITION_CELLS, {"train_sgns", "evaluate_similarity"}, args.rev)
    rev = subprocess.run(["git", "rev-parse", args.rev or "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    sentences = helpers.load_brown(lower=True)
    benchmarks = {name: helpers.load_word_similarity(name) for name in ("ws353", "simlex999")}
    figures = {
        "what": "hw01's numpy SGNS reference trainer (train_sgns) on lower-cased Brown: min count 5, 100 dimensions, "
                "window 5 (shrunk at random), 5 negatives, sample 1e-3, lr 0.025 -> 0.0001, batches of 1,024 pairs",
        "hw01_source": f"{HW01} at {rev}" + ("" if args.rev else " (working tree)"),
        "machine": helpers.describe_hardware(),
        "python": platform.python_version(), "numpy": np.__version__,
        "full": run(ref, sentences, 5, args.seed, benchmarks),
        "fast": run(ref, sentences[:5000], 1, args.seed, benchmarks),
    }
    Path(args.out).write_text(json.dumps(figures, indent=1) + "\n")
    for key in ("full", "fast"):
        f = figures[key]
        print(f"{key}: {f['epochs']} epoch(s), {sum(f['pairs_per_epoch']):,} pairs, {f['seconds']} s, "
              f"{f['pairs_per_second']:,} pairs/s, WS-353 {f['ws353']}, SimLex {f['simlex999']}")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
