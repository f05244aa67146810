"""Benchmark: hw06's GPT (the reference solution read from the source notebook, trained with the notebook's settings)
against nanoGPT's CPU configuration for shakespeare_char, whose curve was measured on the course's 2-core reference machine
(4 layers, 4 heads, 128 dimensions, block 64, batch 12, 2,000 iterations, no compile; validation loss on 20 batches).

Prints the two curves side by side (step, wall seconds, validation loss) and exits with status 1 if the course GPT does not
reach --target validation loss within nanoGPT's wall time. With --settings nanogpt, the course GPT is trained with nanoGPT's
own settings instead (batch 12, learning rate 1e-3 -> 1e-4, 100 warm-up steps, 2,000 steps), which compares the speed of the
two implementations step for step. Run it on a quiet machine: wall-clock comparisons mean nothing next to another heavy
process. Not a pytest test:

    python tests/benchmarks/hw06_gpt_vs_nanogpt.py [--settings notebook|nanogpt] [--device cpu] [--target 1.89]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

DEFINITION_CELLS = {"setup", "imports", "init_gpt_weights", "shakespeare_data"}
NANOGPT_CPU = {"step": [250, 500, 750, 1000, 1250, 1500, 1750, 2000],
               "wall_s": [22, 40, 59, 77, 94, 111, 128, 144],
               "val_loss": [2.445, 2.314, 2.191, 2.053, 2.009, 1.923, 1.892, 1.886]}
# nanoGPT's config/train_shakespeare_char.py with its CPU overrides (weight decay 0.1 and clipping at 1.0 are its defaults)
NANOGPT_SETTINGS = {"BATCH": 12, "MAX_LR": 1e-3, "MIN_LR": 1e-4, "WARMUP": 100, "STEPS": 2000, "WEIGHT_DECAY": 0.1,
                    "EVAL_EVERY": 250, "EVAL_BATCHES": 20}


def settings_from_notebook(namespace: dict, path: Path) -> dict:
    """The GPT_CONFIG and training constants of the notebook's `train_gpt` cell (executed up to the training loop)."""
    import nbformat

    cell = next(c for c in nbformat.read(str(path), as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "train_gpt")
    header = cell.source.split("@torch.no_grad()")[0]  # constants only; FAST is False here
    exec(compile(header, f"{path.name}:train_gpt (settings)", "exec"), namespace)
    return {k: namespace[k] for k in ("GPT_CONFIG", "BATCH", "MAX_LR", "MIN_LR", "WARMUP", "STEPS", "WEIGHT_DECAY",
                                      "EVAL_EVERY", "EVAL_BATCHES")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: helpers.get_device())")
    parser.add_argument("--target", type=float, default=1.89, help="validation loss to reach within nanoGPT's wall time")
    parser.add_argument("--settings", choices=["notebook", "nanogpt"], default="notebook",
                        help="train with the notebook's settings or with nanoGPT's own")
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)
    if args.device:
        os.environ["NLPCOURSE_DEVICE"] = args.device

    import numpy as np
    import torch

    assignment = "hw06_transformers"
    ns = reference.load_reference(assignment, DEFINITION_CELLS,
                                  {"GPT", "configure_adamw", "lr_at", "train_step", "get_batch", "chars"})
    s = settings_from_notebook(ns, reference.source_notebook(assignment))
    if args.settings == "nanogpt":
        s.update(NANOGPT_SETTINGS)
    import helpers

    print(helpers.describe_hardware())
    print(f"course GPT: {s['GPT_CONFIG']}, batch {s['BATCH']}, lr {s['MAX_LR']} -> {s['MIN_LR']}, warm-up {s['WARMUP']}, "
          f"{s['STEPS']} steps ({args.settings} settings)\n")
    device = ns["device"]
    helpers.seed_everything(0)
    model = ns["GPT"](len(ns["chars"]), **s["GPT_CONFIG"]).to(device)
    optimizer = ns["configure_adamw"](model, s["MAX_LR"], s["WEIGHT_DECAY"])
    generator = torch.Generator().manual_seed(0)
    block = s["GPT_CONFIG"]["block_size"]

    @torch.no_grad()
    def mean_loss(split: str) -> float:
        model.eval()
        g = torch.Generator().manual_seed(1234)
        return float(np.mean([model(*ns["get_batch"](split, s["BATCH"], block, g))[1].item() for _ in range(s["EVAL_BATCHES"])]))

    ours = {"step": [], "wall_s": [], "val_loss": [], "train_loss": []}
    start = time.perf_counter()
    for step in range(s["STEPS"] + 1):
        if step % s["EVAL_EVERY"] == 0 or step == s["STEPS"]:
            ours["val_loss"].append(mean_loss("val"))
            ours["train_loss"].append(mean_loss("train"))  # as nanoGPT's evaluation, whose wall time includes both splits
            ours["wall_s"].append(time.perf_counter() - start)
            ours["step"].append(step)
            print(f"  step {step:5d}  {ours['wall_s'][-1]:6.0f} s  train {ours['train_loss'][-1]:.3f}  val {ours['val_loss'][-1]:.3f}",
                  flush=True)
        if step == s["STEPS"]:
            break
        x, y = ns["get_batch"]("train", s["BATCH"], block, generator)
        ns["train_step"](model, optimizer, x, y, ns["lr_at"](step, s["MAX_LR"], s["MIN_LR"], s["WARMUP"], s["STEPS"]))

    print_side_by_side(ours)
    print(f"\n{1000 * ours['wall_s'][-1] / s['STEPS']:.0f} ms per step, evaluations included "
          f"({s['BATCH'] * block} tokens per step; nanoGPT: {1000 * NANOGPT_CPU['wall_s'][-1] / NANOGPT_CPU['step'][-1]:.0f} ms "
          f"for {12 * 64})")
    if args.settings == "nanogpt":  # a speed comparison: the target is the notebook's settings' business
        print(f"final validation loss {ours['val_loss'][-1]:.3f} after {ours['wall_s'][-1]:.0f} s; nanoGPT: "
              f"{NANOGPT_CPU['val_loss'][-1]:.3f} after {NANOGPT_CPU['wall_s'][-1]} s")
        return 0
    budget = NANOGPT_CPU["wall_s"][-1]
    reached = [w for w, v in zip(ours["wall_s"], ours["val_loss"]) if v <= args.target]
    if reached and reached[0] <= budget:
        print(f"\nreached {args.target} after {reached[0]:.0f} s (nanoGPT's whole run: {budget} s)")
        return 0
    print(f"\ndid NOT reach {args.target} within {budget} s (best {min(ours['val_loss']):.3f})")
    return 1


def print_side_by_side(ours: dict) -> None:
    """One row per evaluated step: the course GPT's wall time and loss beside nanoGPT's (blank where one did not evaluate)."""
    def columns(curve: dict, step: int) -> str:
        if step not in curve["step"]:
            return f"{'':>20}"
        i = curve["step"].index(step)
        return f"{curve['wall_s'][i]:>9.0f}{curve['val_loss'][i]:>11.3f}"

    print(f"\n{'':>6}{'course GPT':>20}{'nanoGPT (CPU)':>20}")
    print(f"{'step':>6}{'wall s':>9}{'val loss':>11}{'wall s':>9}{'val loss':>11}")
    for step in sorted(set(ours["step"]) | set(NANOGPT_CPU["step"])):
        print(f"{step:>6}{columns(ours, step)}{columns(NANOGPT_CPU, step)}")

if __name__ == "__main__":
    sys.exit(main())
