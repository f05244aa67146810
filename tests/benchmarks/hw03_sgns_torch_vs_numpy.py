"""Benchmark: hw03's PyTorch SGNS (SkipGramNS + sgns_step + the notebook's sampler and trainer, from the source notebook)
against the stored figures of hw01's numpy SGNS reference trainer (tests/benchmarks/hw03_numpy_sgns_figures.json, written by
hw03_numpy_sgns_figures.py; hw03's notebook holds the same figures and no longer ships hw01's code).

The PyTorch trainer runs on lower-cased Brown with hw01's settings (min count 5, 100 dimensions, window 5, 5 negatives,
subsampling with t = 1e-3, learning rate 0.025 -> 0.0001, batches of 1,024) for the same number of epochs, once per seed.
Prints WordSim-353 and SimLex-999 Spearman per seed and their means, wall seconds and training pairs per second, next to
the stored numpy figures, and exits with status 1 when the mean WordSim-353 Spearman differs from the stored one by more
than --max-gap (0.05: the two trainers draw their pairs differently, and WordSim-353 has only 274 in-vocabulary pairs).
Not a pytest test (minutes per seed):

    python tests/benchmarks/hw03_sgns_torch_vs_numpy.py [--seeds 0 1 2] [--device cpu]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

DEFINITION_CELLS = {"setup", "imports", "w2v_data", "train_sgns_torch"}
FIGURES = Path(__file__).resolve().parent / "hw03_numpy_sgns_figures.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: helpers.get_device())")
    parser.add_argument("--max-gap", type=float, default=0.05, help="largest allowed |mean WS-353 difference|")
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)
    if args.device:
        os.environ["NLPCOURSE_DEVICE"] = args.device

    import helpers
    import torch

    stored = json.loads(FIGURES.read_text())["full"]
    ref = reference.load_reference("hw03_pytorch_autograd", DEFINITION_CELLS,
                                   {"corpus_tensors", "PairSampler", "train_sgns_torch", "similarity_spearman"})
    device = ref["device"]
    sentences = helpers.load_brown(lower=True)
    itos, stoi, counts, ids, sentence_ids = ref["corpus_tensors"](sentences, min_count=5)
    benchmarks = {name: helpers.load_word_similarity(name) for name in ("ws353", "simlex999")}
    print(helpers.describe_hardware())
    print(f"Brown: {len(sentences):,} sentences; vocabulary {len(itos):,}; {stored['epochs']} epochs, seeds {args.seeds}; "
          f"PyTorch on {device}\n", flush=True)

    rows = []
    for seed in args.seeds:
        helpers.seed_everything(seed)
        sampler = ref["PairSampler"](ids, sentence_ids, counts, device=device)
        t0 = time.perf_counter()
        model, history = ref["train_sgns_torch"](sampler, len(itos), epochs=stored["epochs"], show_progress=False)
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
        W = model.in_embed.weight.detach().cpu()
        scores = {name: ref["similarity_spearman"](W, stoi, pairs)[0] for name, pairs in benchmarks.items()}
        rows.append((scores["ws353"], scores["simlex999"], sum(history["pairs_per_epoch"]) / seconds, seconds))
        print(f"PyTorch seed {seed}: WS-353 {scores['ws353']:.3f}  SimLex {scores['simlex999']:.3f}  {seconds:.1f} s  "
              f"{rows[-1][2]:,.0f} pairs/s", flush=True)

    mean = [sum(r[k] for r in rows) / len(rows) for k in range(4)]
    print(f"\nPyTorch mean:       WS-353 {mean[0]:.3f}  SimLex {mean[1]:.3f}  {mean[3]:.1f} s  {mean[2]:,.0f} pairs/s")
    print(f"numpy (hw01) stored: WS-353 {stored['ws353']:.3f}  SimLex {stored['simlex999']:.3f}  {stored['seconds']:.1f} s  "
          f"{stored['pairs_per_second']:,} pairs/s (seed {stored['seed']}, another run and machine load)")
    gap = mean[0] - stored["ws353"]
    print(f"mean WS-353 gap (PyTorch - numpy): {gap:+.3f}  (allowed: +-{args.max_gap})")
    if abs(gap) > args.max_gap:
        print("FAIL: the PyTorch SGNS is not within the allowed gap of the stored numpy SGNS", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
