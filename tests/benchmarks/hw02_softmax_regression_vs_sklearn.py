"""Benchmark: hw02's hand-written softmax regression (the reference solution in the source notebook) against
scikit-learn's LogisticRegression on the same SST-2 features.

The features are the notebook's own: each sentence is the average of all-MiniLM-L6-v2's input token embeddings over
its WordPiece tokens, standardised with the training mean and std (67,349 training phrases, 872 dev sentences).
Both models minimise the same objective: the notebook's mean cross-entropy + (l2 / 2) ||W||^2 with K = 2 classes
equals scikit-learn's binary objective with C = 2 / (l2 N) (see the notebook's `sklearn_C`). The hand-written model
is trained with minibatch SGD, momentum and Adam (batches of 64, warmup + cosine decay) over several seeds.

Prints, per optimiser and seed, the final training objective, SST-2 dev accuracy and seconds, then scikit-learn's,
and the gap in accuracy points between the best hand-written run (lowest objective) and scikit-learn; exits with
status 1 when that gap exceeds --max-gap points (1.0). Not a pytest test (it takes a minute or two):

    python tests/benchmarks/hw02_softmax_regression_vs_sklearn.py [--epochs 10] [--seeds 0 1 2] [--l2 1e-4]
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

# Cells that load the data, build the features and define things: run them, in notebook order, with the solutions.
DEFINITION_CELLS = {"setup", "imports", "load_data", "featurise", "run_standardize", "given_optimizer"}
RUNS = {  # name: (method, hyper, base_lr, warmup_steps), all with batches of 64, as in the notebook
    "minibatch SGD": ("sgd", {}, 0.1, 0),
    "momentum": ("momentum", {"beta": 0.9}, 0.01, 0),
    "Adam": ("adam", {}, 0.003, 100),
}


def load_reference() -> dict:
    """The setup, data and feature cells, the given definitions and every solution cell of hw02's source notebook, executed."""
    return reference.load_reference("hw02_softmax_gradient_descent", DEFINITION_CELLS,
                                    {"train", "loss_and_grads", "predict", "accuracy", "sklearn_C", "warmup_cosine",
                                     "Optimizer", "X_train", "X_dev"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--max-gap", type=float, default=1.0, help="largest allowed |accuracy gap| in points")
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)  # the full training set, not the autograder's subset

    import helpers
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    ref = load_reference()
    X_train, y_train, X_dev, y_dev = ref["X_train"], ref["y_train"], ref["X_dev"], ref["y_dev"]
    n = len(y_train)
    print(helpers.describe_hardware())
    print(f"SST-2 features {X_train.shape} train, {X_dev.shape} dev, built in {time.perf_counter() - t0:.1f} s "
          f"(model load, tokenisation, averaging); l2 = {args.l2:g}, {args.epochs} epochs, seeds {args.seeds}\n", flush=True)

    rows = []
    for name, (method, hyper, base_lr, warmup) in RUNS.items():
        total = args.epochs * math.ceil(n / 64)
        for seed in args.seeds:
            lr_fn = lambda t, base_lr=base_lr, warmup=warmup: ref["warmup_cosine"](t, total, base_lr, warmup, 0.0)
            t0 = time.perf_counter()
            W, b, _ = ref["train"](X_train, y_train, 2, ref["Optimizer"](method, **hyper), lr_fn, args.epochs, 64, args.l2,
                                   rng=np.random.default_rng(seed), show_progress=False)
            seconds = time.perf_counter() - t0
            objective = ref["loss_and_grads"](W, b, X_train, y_train, args.l2)[0]
            dev = ref["accuracy"](ref["predict"](W, b, X_dev), y_dev)
            rows.append((name, seed, objective, dev, seconds))
            print(f"{name:<14} seed {seed}: objective {objective:.5f}  dev accuracy {dev:.4f}  {seconds:.1f} s", flush=True)

    C = ref["sklearn_C"](args.l2, n)
    t0 = time.perf_counter()
    sk = LogisticRegression(C=C, max_iter=2000, tol=1e-6).fit(X_train, y_train)
    sk_seconds = time.perf_counter() - t0
    w, c = sk.coef_[0], sk.intercept_[0]
    sk_objective = ref["loss_and_grads"](np.stack([-w / 2, w / 2], 1), np.array([-c / 2, c / 2]), X_train, y_train, args.l2)[0]
    sk_dev = ref["accuracy"](sk.predict(X_dev), y_dev)

    print()
    header = f"{'model':<34}{'objective':>11}{'dev acc':>9}{'seconds':>9}"
    print(header)
    print("-" * len(header))
    for name in RUNS:
        mine = [r for r in rows if r[0] == name]
        objective, dev, seconds = (float(np.mean([r[k] for r in mine])) for k in (2, 3, 4))
        spread = float(np.std([r[3] for r in mine]))
        print(f"{'hand-written ' + name + ' (mean)':<34}{objective:>11.5f}{dev:>9.4f}{seconds:>9.1f}   dev std {spread:.4f}")
    print(f"{'scikit-learn (C = %.4g)' % C:<34}{sk_objective:>11.5f}{sk_dev:>9.4f}{sk_seconds:>9.1f}")
    best = min(rows, key=lambda r: r[2])
    gap = 100 * (best[3] - sk_dev)
    print(f"\nbest hand-written run: {best[0]} seed {best[1]}, objective {best[2]:.5f} (optimum {sk_objective:.5f}); "
          f"dev accuracy {best[3]:.4f} vs scikit-learn {sk_dev:.4f}: {gap:+.2f} points (allowed: +-{args.max_gap})")
    worst = max(abs(100 * (r[3] - sk_dev)) for r in rows)
    print(f"largest gap over all {len(rows)} runs: {worst:.2f} points")
    if abs(gap) > args.max_gap:
        print("FAIL: the hand-written softmax regression is not within the allowed gap of scikit-learn", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
