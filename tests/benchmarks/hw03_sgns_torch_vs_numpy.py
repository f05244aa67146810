"""Benchmark: hw03's PyTorch SGNS (SkipGramNS + sgns_step + the notebook's trainer, from the source notebook) against
hw01's numpy SGNS trainer (the copy of hw01's reference solution that hw03 ships).

Both train on lower-cased Brown with hw01's settings (min count 5, 100 dimensions, window 5, 5 negatives, sample 1e-3,
learning rate 0.025 -> 0.0001, batches of 1,024) for the same number of epochs, drawing their random numbers in the same
order from the same seed. Prints WordSim-353 and SimLex-999 Spearman per seed and their means, wall seconds and raw
corpus words per second, and the speed ratio; exits with status 1 when the mean WordSim-353 Spearman of the two differs
by more than --max-gap (0.02). Not a pytest test (several minutes per seed):

    python tests/benchmarks/hw03_sgns_torch_vs_numpy.py [--epochs 5] [--seeds 0 1 2] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

DEFINITION_CELLS = {"setup", "imports", "hw01_reference", "train_sgns_torch"}
TRAINERS = ("numpy (hw01)", "PyTorch (hw03)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: helpers.get_device())")
    parser.add_argument("--max-gap", type=float, default=0.02, help="largest allowed |mean WS-353 difference|")
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)
    if args.device:
        os.environ["NLPCOURSE_DEVICE"] = args.device

    import helpers
    import torch

    ref = reference.load_reference("hw03_pytorch_autograd", DEFINITION_CELLS,
                                   {"train_sgns_numpy", "train_sgns_torch", "build_vocab", "encode", "evaluate_similarity"})
    device = ref["device"]
    sentences = helpers.load_brown(lower=True)
    raw_words = sum(len(s) for s in sentences)
    vocab = ref["build_vocab"](sentences, min_count=5)
    ids, sentence_ids = ref["encode"](sentences, vocab)
    benchmarks = {name: helpers.load_word_similarity(name) for name in ("ws353", "simlex999")}
    print(helpers.describe_hardware())
    print(f"Brown: {len(sentences):,} sentences, {raw_words:,} tokens; vocabulary {len(vocab):,}; {args.epochs} epochs, "
          f"seeds {args.seeds}; PyTorch on {device}\n", flush=True)

    rows = []  # (trainer, seed, ws353, simlex, seconds)
    for seed in args.seeds:
        for trainer in TRAINERS:
            helpers.seed_everything(seed)
            t0 = time.perf_counter()
            if trainer == TRAINERS[0]:
                W, _, _ = ref["train_sgns_numpy"](ids, sentence_ids, vocab.counts, epochs=args.epochs,
                                                  rng=np.random.default_rng(seed), show_progress=False)
            else:
                model, _ = ref["train_sgns_torch"](ids, sentence_ids, vocab.counts, epochs=args.epochs,
                                                   rng=np.random.default_rng(seed), device=device, show_progress=False)
                if device.type == "cuda":
                    torch.cuda.synchronize()
                W = model.in_embed.weight.detach().cpu().numpy()
            seconds = time.perf_counter() - t0
            scores = {name: ref["evaluate_similarity"](W, vocab.stoi, pairs)[0] for name, pairs in benchmarks.items()}
            rows.append((trainer, seed, scores["ws353"], scores["simlex999"], seconds))
            print(f"{trainer:<15} seed {seed}: WS-353 {scores['ws353']:.3f}  SimLex {scores['simlex999']:.3f}  "
                  f"{seconds:.1f} s", flush=True)

    means = reference.print_similarity_table(rows, args.epochs * raw_words)
    gap = means[TRAINERS[1]][0] - means[TRAINERS[0]][0]
    ratio = means[TRAINERS[1]][2] / means[TRAINERS[0]][2]  # raw words per second
    print(f"\nmean WS-353 gap (PyTorch - numpy): {gap:+.3f}  (allowed: +-{args.max_gap})")
    print(f"speed: the PyTorch trainer ({device}) runs at {ratio:.2f}x the speed of the numpy trainer")
    if abs(gap) > args.max_gap:
        print("FAIL: the PyTorch SGNS is not within the allowed gap of the numpy SGNS", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
