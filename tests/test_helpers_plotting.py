"""Tests for helpers.plotting, drawn off-screen with matplotlib's Agg backend."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plotting  # noqa: E402
from helpers.plotting import (  # noqa: E402
    pca_2d,
    plot_embeddings_2d,
    plot_heatmap,
    plot_learning_curves,
    plot_log_log,
)


@pytest.fixture(autouse=True)
def clean_figures():
    """Restore rcParams (the helpers apply the course style) and close every figure after each test."""
    plt.close("all")
    with matplotlib.rc_context():
        yield
    plt.close("all")


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


# --------------------------------------------------------------------------- learning curves


def test_learning_curves_one_line_per_curve():
    ax = plot_learning_curves({"train": [3.0, 2.0, 1.5, 1.2], "validation": [3.1, 2.4, 2.0, 1.9]},
                              title="loss", xlabel="epoch")
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.get_lines()) == 2
    assert legend_texts(ax) == ["train", "validation"]
    train, _ = ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(train.get_ydata(), [3.0, 2.0, 1.5, 1.2])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss" and ax.get_title() == "loss"
    assert ax.get_yscale() == "linear"
    assert len(plt.get_fignums()) == 1


def test_learning_curves_steps_align_curves():
    train = np.linspace(4, 1, 300)
    ax = plot_learning_curves({"train": train, "validation": [3.5, 2.5, 1.8]},
                              steps={"validation": [100, 200, 300]}, logy=True)
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["validation"].get_xdata(), [100, 200, 300])
    np.testing.assert_array_equal(lines["train"].get_xdata(), np.arange(300))
    assert ax.get_yscale() == "log"
    assert lines["validation"].get_marker() == "o"  # short curves show their points
    assert lines["train"].get_marker() in (None, "None", "")


def test_learning_curves_draws_on_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_learning_curves({"train": [1, 2]}, ax=right) is right
    assert len(right.get_lines()) == 1 and len(left.get_lines()) == 0
    assert plt.get_fignums() == [fig.number]


def test_learning_curves_empty_dict():
    with pytest.raises(ValueError, match=r"curves is empty: pass a dict like \{'train': losses\}"):
        plot_learning_curves({})


@pytest.mark.parametrize("values", [[], np.zeros((2, 2))])
def test_learning_curves_empty_or_2d_curve_names_it(values):
    with pytest.raises(ValueError, match=r"curves\['train'\] must be a non-empty 1-D sequence"):
        plot_learning_curves({"train": values})


def test_learning_curves_steps_length_mismatch():
    with pytest.raises(ValueError, match=r"curve 'validation' has 2 values but 3 steps"):
        plot_learning_curves({"validation": [1.0, 2.0]}, steps={"validation": [1, 2, 3]})


def test_learning_curves_list_instead_of_dict():
    with pytest.raises(TypeError, match=r"curves must be a dict like \{'train': losses\}, got list"):
        plot_learning_curves([3.0, 2.0, 1.0])


# --------------------------------------------------------------------------- PCA


def rotated_data(seed=0, n=200):
    """Points with standard deviations 10, 3, 0.5 along the axes of a random rotation, plus an offset."""
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    latent = rng.normal(size=(n, 3)) * np.array([10.0, 3.0, 0.5])
    return latent @ rotation.T + np.array([5.0, -2.0, 7.0]), rotation


def test_pca_shape_centred_and_variance_ordered():
    vectors, _ = rotated_data()
    points = pca_2d(vectors)
    assert points.shape == (200, 2)
    np.testing.assert_allclose(points.mean(axis=0), 0.0, atol=1e-9)
    variances = points.var(axis=0)
    assert variances[0] > variances[1] > 0
    assert 60 < variances[0] < 140 and 5 < variances[1] < 14  # about 10**2 and 3**2
    np.testing.assert_allclose(np.corrcoef(points.T)[0, 1], 0.0, atol=1e-9)  # uncorrelated


def test_pca_matches_covariance_eigenvectors_up_to_sign():
    vectors, _ = rotated_data(seed=1)
    centred = vectors - vectors.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred.T))
    top = eigenvectors[:, np.argsort(eigenvalues)[::-1][:2]]
    reference = centred @ top
    points = pca_2d(vectors)
    for k in range(2):
        sign = np.sign(points[:, k] @ reference[:, k])
        np.testing.assert_allclose(points[:, k], sign * reference[:, k], atol=1e-8)


def test_pca_is_deterministic_and_sign_fixed():
    vectors, _ = rotated_data(seed=2, n=50)
    first = pca_2d(vectors)
    np.testing.assert_array_equal(first, pca_2d(vectors.copy()))
    # Negating the data cannot flip the picture's orientation convention: the picture is mirrored.
    np.testing.assert_allclose(pca_2d(-vectors), -first, atol=1e-9)
    # Shuffling the rows shuffles the points and nothing else.
    order = np.random.default_rng(0).permutation(50)
    np.testing.assert_allclose(pca_2d(vectors[order]), first[order], atol=1e-9)


def test_pca_accepts_lists_and_ints():
    points = pca_2d([[0, 0, 1], [2, 0, 1], [0, 1, 1], [2, 1, 1]])
    assert points.shape == (4, 2) and points.dtype == np.float64
    np.testing.assert_allclose(np.abs(points[:, 0]), 1.0)  # x spread 2 beats y spread 1
    np.testing.assert_allclose(np.abs(points[:, 1]), 0.5)


@pytest.mark.parametrize("vectors", [np.zeros(5), np.zeros((1, 4)), np.zeros((5, 1)), np.zeros((2, 2, 2))])
def test_pca_rejects_bad_shapes(vectors):
    with pytest.raises(ValueError, match="at least 2 rows and 2 columns"):
        pca_2d(vectors)


# --------------------------------------------------------------------------- embeddings


WORDS = ["king", "queen", "man", "woman", "paris", "france"]


def test_embeddings_one_point_and_label_per_word():
    vectors, _ = rotated_data(n=6)
    ax = plot_embeddings_2d(vectors, WORDS, title="words")
    assert isinstance(ax, matplotlib.axes.Axes)
    assert [t.get_text() for t in ax.texts] == WORDS
    assert len(ax.collections) == 1
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets, pca_2d(vectors))
    assert ax.get_legend() is None
    assert ax.get_xlabel() == "PC 1" and ax.get_ylabel() == "PC 2" and ax.get_title() == "words"


def test_embeddings_groups_get_one_scatter_each():
    vectors, _ = rotated_data(n=6)
    groups = ["royal", "royal", "people", "people", "place", "place"]
    ax = plot_embeddings_2d(vectors, WORDS, groups=groups)
    assert len(ax.collections) == 3
    assert legend_texts(ax) == ["royal", "people", "place"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 6
    np.testing.assert_allclose(ax.collections[2].get_offsets(), pca_2d(vectors)[4:])


def test_embeddings_label_count_mismatch():
    with pytest.raises(ValueError, match="got 6 vectors but 5 labels"):
        plot_embeddings_2d(rotated_data(n=6)[0], WORDS[:5])
    assert plt.get_fignums() == []  # nothing half-drawn


def test_embeddings_group_count_mismatch():
    with pytest.raises(ValueError, match="got 6 vectors but 2 groups"):
        plot_embeddings_2d(rotated_data(n=6)[0], WORDS, groups=["a", "b"])


# --------------------------------------------------------------------------- heatmaps


def test_heatmap_small_matrix_is_annotated():
    matrix = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1]])
    ax = plot_heatmap(matrix, row_labels=["the", "cat"], col_labels=["le", "chat", "noir"], title="attention")
    assert len(ax.images) == 1
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    assert len(ax.figure.axes) == 2  # the heatmap and its colour bar
    assert [t.get_text() for t in ax.texts] == ["0.9", "0.1", "0", "0.2", "0.7", "0.1"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["the", "cat"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["le", "chat", "noir"]
    assert ax.get_title() == "attention"


def test_heatmap_large_matrix_is_not_annotated_unless_asked():
    matrix = np.arange(121.0).reshape(11, 11)
    assert len(plot_heatmap(matrix).texts) == 0
    assert len(plot_heatmap(matrix, annotate=True).texts) == 121
    assert len(plot_heatmap(np.eye(2), annotate=False).texts) == 0


def test_heatmap_bad_input():
    with pytest.raises(ValueError, match=r"matrix must be 2-D, got shape \(3,\)"):
        plot_heatmap([1, 2, 3])
    with pytest.raises(ValueError, match="row_labels has 1 entries but the matrix has 3"):
        plot_heatmap(np.eye(3), row_labels=["a"])
    with pytest.raises(ValueError, match="col_labels has 4 entries but the matrix has 3"):
        plot_heatmap(np.eye(3), col_labels=list("abcd"))


# --------------------------------------------------------------------------- log-log plots


def test_plot_log_log_scatter_line_and_legend():
    x = np.geomspace(1e6, 1e9, 7)
    y = 400.0 * x**-0.25
    ax = plot_log_log(x, y, xlabel="parameters", ylabel="loss", label="runs", title="scaling", line=(400.0, -0.25))
    assert len(ax.collections) == 1
    np.testing.assert_allclose(ax.collections[0].get_offsets(), np.column_stack([x, y]))
    (line,) = ax.get_lines()
    assert line.get_linestyle() == "--"
    np.testing.assert_allclose(line.get_ydata(), 400.0 * line.get_xdata() ** -0.25, rtol=1e-8)
    assert line.get_xdata()[0] == pytest.approx(1e6) and line.get_xdata()[-1] == pytest.approx(1e9)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert legend_texts(ax) == ["runs", "400 · x^-0.250"]
    assert ax.get_xlabel() == "parameters" and ax.get_title() == "scaling"


def test_plot_log_log_without_a_line_and_with_a_named_one():
    ax = plot_log_log([1, 10, 100], [5, 0.5, 0.05])
    assert ax.get_lines() == [] and legend_texts(ax) == ["data"]
    ax = plot_log_log([1, 10, 100], [5, 0.5, 0.05], line=(5, -1), line_label="Zipf: 1/rank")
    assert legend_texts(ax) == ["data", "Zipf: 1/rank"]


@pytest.mark.parametrize("x,y", [([1, 2, 0], [1, 2, 3]), ([1, 2, 3], [1, -2, 3]), ([1, 2, np.nan], [1, 2, 3]),
                                 ([1, 2, 3], [1, 2])])
def test_plot_log_log_bad_input_draws_nothing(x, y):
    with pytest.raises(ValueError, match="positive|same length"):
        plot_log_log(x, y)
    assert plt.get_fignums() == []


def test_style_is_applied():
    ax = plot_learning_curves({"train": [1.0, 0.5]})
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert tuple(ax.figure.get_size_inches()) == tuple(plotting.STYLE["figure.figsize"])


def test_figures_render_with_agg(tmp_path):
    ax = plot_heatmap(np.eye(3), row_labels=list("abc"))
    out = tmp_path / "heatmap.png"
    ax.figure.savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
