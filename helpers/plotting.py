"""The course's plots, in one style: learning curves, 2-D embeddings, heatmaps, power-law fits."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
}


def _axes(ax=None, figsize=None):
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _as_1d(name: str, values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got shape {array.shape}.")
    return array


def plot_learning_curves(
    curves: Mapping[str, Sequence[float]],
    steps: Mapping[str, Sequence[float]] | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    title: str | None = None,
    logy: bool = False,
    ax=None,
):
    """Plot one line per named curve, e.g. ``{"train": [...], "validation": [...]}``.

    ``steps`` gives each curve's x values (default 0, 1, 2, ...), so a validation curve measured
    every 100 steps lines up with a training curve measured every step.
    """
    if not isinstance(curves, Mapping):
        raise TypeError(f"curves must be a dict like {{'train': losses}}, got {type(curves).__name__}.")
    if not curves:
        raise ValueError("curves is empty: pass a dict like {'train': losses}.")
    ax = _axes(ax)
    for name, values in curves.items():
        y = _as_1d(f"curves[{name!r}]", values)
        x = np.arange(len(y)) if steps is None or name not in steps else _as_1d(f"steps[{name!r}]", steps[name])
        if len(x) != len(y):
            raise ValueError(f"curve {name!r} has {len(y)} values but {len(x)} steps.")
        ax.plot(x, y, label=name, marker="o" if len(y) <= 20 else None, markersize=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """Project row vectors onto their first two principal components."""
    vectors = np.asarray(vectors, dtype=float)
    if vectors.ndim != 2 or vectors.shape[0] < 2 or vectors.shape[1] < 2:
        raise ValueError(
            f"vectors must be a 2-D array with at least 2 rows and 2 columns, got shape {vectors.shape}."
        )
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:2]
    # Fix each component's sign so that the same vectors always give the same picture.
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    return centred @ (components * signs[:, None]).T


def plot_embeddings_2d(
    vectors: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str] | None = None,
    title: str | None = None,
    ax=None,
):
    """Scatter word vectors in 2-D (PCA), each point labelled; ``groups`` colours the points."""
    points = pca_2d(vectors)
    if len(labels) != len(points):
        raise ValueError(f"got {len(points)} vectors but {len(labels)} labels.")
    if groups is not None and len(groups) != len(points):
        raise ValueError(f"got {len(points)} vectors but {len(groups)} groups.")
    ax = _axes(ax, figsize=(7, 6))
    names = list(dict.fromkeys(groups)) if groups is not None else [None]
    for name in names:
        mask = np.ones(len(points), bool) if name is None else np.array([g == name for g in groups])
        ax.scatter(points[mask, 0], points[mask, 1], s=18, label=name)
    for (x, y), label in zip(points, labels):
        ax.annotate(label, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    if groups is not None:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_heatmap(
    matrix: np.ndarray,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    annotate: bool | None = None,
    ax=None,
):
    """Heatmap of a 2-D matrix (attention weights, a confusion matrix); small ones get their values written in."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {matrix.shape}.")
    for name, labels, size in (("row_labels", row_labels, matrix.shape[0]), ("col_labels", col_labels, matrix.shape[1])):
        if labels is not None and len(labels) != size:
            raise ValueError(f"{name} has {len(labels)} entries but the matrix has {size}.")
    ax = _axes(ax)
    image = ax.imshow(matrix, cmap=cmap, aspect="auto")
    ax.figure.colorbar(image, ax=ax)
    ax.grid(False)
    if row_labels is not None:
        ax.set_yticks(range(matrix.shape[0]), row_labels)
    if col_labels is not None:
        ax.set_xticks(range(matrix.shape[1]), col_labels, rotation=45, ha="right")
    if annotate if annotate is not None else matrix.size <= 100:
        middle = (np.nanmax(matrix) + np.nanmin(matrix)) / 2
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=8,
                    color="white" if value < middle else "black")
    if title:
        ax.set_title(title)
    return ax


def plot_log_log(
    x: Sequence[float],
    y: Sequence[float],
    xlabel: str = "x",
    ylabel: str = "y",
    label: str = "data",
    title: str | None = None,
    line: tuple[float, float] | None = None,
    line_label: str | None = None,
    ax=None,
):
    """Log-log scatter of ``(x, y)``; ``line=(coefficient, exponent)`` also draws ``coefficient * x**exponent`` dashed.

    The line is whatever the caller chose (a law to compare with, or a fit made elsewhere): nothing is fitted here.
    """
    x, y = _as_1d("x", x), _as_1d("y", y)
    if len(x) != len(y):
        raise ValueError(f"x and y need the same length, got {len(x)} and {len(y)}.")
    if not (np.all(np.isfinite(x) & (x > 0)) and np.all(np.isfinite(y) & (y > 0))):
        raise ValueError("a log-log plot needs positive, finite x and y.")
    ax = _axes(ax)
    ax.scatter(x, y, s=20, label=label)
    if line is not None:
        coefficient, exponent = (float(v) for v in line)
        grid = np.geomspace(np.min(x), np.max(x), 100)
        ax.plot(grid, coefficient * grid**exponent, "--",
                label=line_label or f"{coefficient:.3g} · x^{exponent:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax
