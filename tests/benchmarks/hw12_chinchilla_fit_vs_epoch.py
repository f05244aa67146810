"""Benchmark: hw12's approach-3 fit (the reference solution read from the source notebook: the analytic gradient, L-BFGS from
432 starts) against the procedure of Epoch AI's Chinchilla replication (Besiroglu et al., 2024): the same Huber objective on
log-losses (delta 1e-3) minimised by ``scipy.optimize.minimize(method="L-BFGS-B")`` with finite-difference gradients, from
their grid of 4,500 starts (alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}).

Both fit the same 240 runs (Epoch AI's extraction, the five highest-loss runs left out, D = C / 6N). Prints the constants
and the wall time of each, and exits with status 1 if the two optima differ by more than 0.005 in alpha or beta or the
course's fit is not faster. Run it on a quiet machine (it takes several minutes); not a pytest test:

    python tests/benchmarks/hw12_chinchilla_fit_vs_epoch.py [--epoch-starts 4500]
"""
from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

ASSIGNMENT = "hw12_scaling_laws"
EPOCH_REFIT = {"E": 1.817, "A": 478.0, "B": 2143.0, "alpha": 0.347, "beta": 0.367}  # as published by Epoch AI


def constants(theta) -> dict[str, float]:
    a, b, e, alpha, beta = (float(v) for v in theta)
    return {"E": math.exp(e), "A": math.exp(a), "B": math.exp(b), "alpha": alpha, "beta": beta}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epoch-starts", type=int, default=4500, help="use the first K of Epoch AI's 4,500 starts")
    args = parser.parse_args()
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(reference.ROOT.parent / "shared" / "data"))
    namespace = reference.load_reference(ASSIGNMENT, {"setup", "imports"},
                                         {"chinchilla_points", "chinchilla_objective", "fit_chinchilla"})
    import numpy as np
    from scipy.optimize import minimize

    import helpers

    n, d, loss = namespace["chinchilla_points"](helpers.load_chinchilla())
    data = (np.log(n), np.log(d), np.log(loss))
    objective = namespace["chinchilla_objective"]

    course_grid = np.array(list(itertools.product([0, 10, 20], [0, 10, 20], [-1, 0, 1], [0, 0.5, 1, 1.5],
                                                  [0, 0.5, 1, 1.5])), dtype=float)
    started = time.perf_counter()
    course_theta, course_value = namespace["fit_chinchilla"](*data, course_grid)
    course_s = time.perf_counter() - started

    epoch_grid = [np.array([a, b, e, alpha, beta], dtype=float) for alpha, beta, e, a, b in itertools.product(
        np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5), np.arange(-1, 1.5, 0.5), np.arange(0, 30, 5),
        np.arange(0, 30, 5))][: args.epoch_starts]
    value_only = lambda theta: objective(theta, *data)[0]  # noqa: E731  (no gradient: scipy differentiates numerically)
    started = time.perf_counter()
    best = min((minimize(value_only, start, method="L-BFGS-B") for start in epoch_grid), key=lambda r: r.fun)
    epoch_s = time.perf_counter() - started

    rows = [("course: analytic gradient", len(course_grid), course_s, constants(course_theta), course_value),
            ("Epoch AI: numerical gradient", len(epoch_grid), epoch_s, constants(best.x), float(best.fun)),
            ("Epoch AI, published refit", None, None, EPOCH_REFIT, None)]
    print(f"\n{'fit':<30}{'starts':>7}{'seconds':>9}{'E':>8}{'A':>8}{'B':>8}{'alpha':>8}{'beta':>8}{'objective':>12}")
    for name, starts, seconds, c, value in rows:
        print(f"{name:<30}{starts or '':>7}{'' if seconds is None else f'{seconds:.1f}':>9}{c['E']:>8.3f}{c['A']:>8.0f}"
              f"{c['B']:>8.0f}{c['alpha']:>8.3f}{c['beta']:>8.3f}{'' if value is None else f'{value:.7f}':>12}")
    print(f"\nspeed-up: {epoch_s / course_s:.1f}x, {epoch_s / len(epoch_grid) * 1e3:.1f} ms vs "
          f"{course_s / len(course_grid) * 1e3:.1f} ms per start")
    same = all(abs(constants(course_theta)[k] - constants(best.x)[k]) <= 0.005 for k in ("alpha", "beta"))
    return 0 if same and course_s < epoch_s else 1


if __name__ == "__main__":
    sys.exit(main())
