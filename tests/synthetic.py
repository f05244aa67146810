"""A small synthetic assignment, built like the real ones, on which the grading machinery is proven in seconds.

The nbgrader plug-ins (helpers/course/plugins.py) and the mutant runner (tests/mutant_runner.py) do not depend
on what an assignment teaches. ``make_root`` writes a course root (``nbgrader_config.py`` with this
assignment alone in its schedule, ``source/synthetic/synthetic.ipynb``) that ``helpers.course`` treats
like the repository: seven graded functions, each followed by a test cell with visible and hidden checks
through ``helpers.grading``, and one written question.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from helpers.course import pipeline as course
from tests.mutants import Mutant

NAME = "synthetic"


def cell(kind: str, source: str, grade_id: str, **flags) -> nbformat.NotebookNode:
    """A cell with nbgrader metadata (``grade``, ``solution``, ``locked``, ``points`` in ``flags``)."""
    nbgrader = {"grade": False, "solution": False, "locked": False, "task": False, "schema_version": 3,
                "grade_id": grade_id, **flags}
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    return make(source, metadata={"nbgrader": nbgrader})


# (grade id, solution, visible test, hidden test, points)
PARTS = [
    ("softmax",
     "def softmax(x):\n    ### BEGIN SOLUTION\n    z = np.exp(x - np.max(x))\n    return z / z.sum()\n    ### END SOLUTION",
     'grading.check_close("softmax([0, 0])", softmax(np.zeros(2)), [0.5, 0.5])',
     'grading.check_close("softmax([1000, 0])", softmax(np.array([1000.0, 0.0])), [1.0, 0.0])', 3),
    ("normalise",
     "def normalise(v):\n    ### BEGIN SOLUTION\n    return v / np.linalg.norm(v)\n    ### END SOLUTION",
     'grading.check_close("normalise([3, 4])", normalise(np.array([3.0, 4.0])), [0.6, 0.8])',
     'grading.check_close("normalise([0, 2])", normalise(np.array([0.0, 2.0])), [0.0, 1.0])', 2),
    ("word_counts",
     "def word_counts(tokens):\n    ### BEGIN SOLUTION\n    counts = {}\n    for token in tokens:\n"
     "        counts[token] = counts.get(token, 0) + 1\n    return counts\n    ### END SOLUTION",
     'grading.check_equal("word_counts(a b a)", word_counts(["a", "b", "a"]), {"a": 2, "b": 1})',
     'grading.check_equal("word_counts([])", word_counts([]), {})', 2),
    ("cosine",
     "def cosine(a, b):\n    ### BEGIN SOLUTION\n    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))\n"
     "    ### END SOLUTION",
     'grading.check_close("cosine(x, 2x)", cosine(np.array([1.0, 2.0]), np.array([2.0, 4.0])), 1.0)',
     'grading.check_close("cosine(e1, e2)", cosine(np.array([1.0, 0.0]), np.array([0.0, 1.0])), 0.0)', 2),
    ("ngrams",
     "def ngrams(tokens, n):\n    ### BEGIN SOLUTION\n    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]\n"
     "    ### END SOLUTION",
     'grading.check_equal("ngrams(a b c, 2)", ngrams(["a", "b", "c"], 2), [("a", "b"), ("b", "c")])',
     'grading.check_equal("ngrams(a, 2)", ngrams(["a"], 2), [])', 3),
    ("perplexity",
     "def perplexity(log_probs):\n    ### BEGIN SOLUTION\n    return float(np.exp(-np.mean(log_probs)))\n    ### END SOLUTION",
     'grading.check_close("perplexity(log([1/4, 1/4]))", perplexity(np.log([0.25, 0.25])), 4.0)',
     'grading.check_close("perplexity(log([1/2, 1/8]))", perplexity(np.log([0.5, 0.125])), 4.0)', 3),
    ("mean_pool",
     "def mean_pool(vectors, mask):\n    ### BEGIN SOLUTION\n    weights = mask[:, None].astype(float)\n"
     "    return (vectors * weights).sum(axis=0) / weights.sum()\n    ### END SOLUTION",
     'grading.check_close("mean_pool", mean_pool(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 1])), [2.0, 3.0])',
     'grading.check_close("mean_pool (masked)", mean_pool(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0])), '
     '[1.0, 2.0])', 2),
]

MUTANTS = [
    Mutant("softmax_unstable", "softmax", "np.exp(x - np.max(x))", "np.exp(x)", "test_softmax",
           "forgets to subtract the maximum (overflow at 1000)"),
    Mutant("cosine_unnormalised", "cosine", "a @ b / (np.linalg.norm(a) * np.linalg.norm(b))", "a @ b", "test_cosine",
           "a dot product instead of the cosine"),
    Mutant("ngrams_one_short", "ngrams", "len(tokens) - n + 1", "len(tokens) - n", "test_ngrams",
           "drops the last n-gram"),
    Mutant("mean_pool_ignores_mask", "mean_pool", "weights.sum()", "len(mask)", "test_mean_pool",
           "divides by every position, masked ones too"),
]


def notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        cell("markdown", "# A synthetic assignment\nSeven small functions and one written question.", "intro",
             locked=True),
        cell("code", "import numpy as np\n\nimport helpers\nfrom helpers import grading", "setup", locked=True),
    ]
    for grade_id, solution, visible, hidden, points in PARTS:
        nb.cells.append(cell("markdown", f"Write `{grade_id}`.", f"{grade_id}_text", locked=True))
        nb.cells.append(cell("code", solution, grade_id, solution=True))
        nb.cells.append(cell("code", f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
                             f"test_{grade_id}", grade=True, locked=True, points=points))
    nb.cells.append(cell("markdown", "Why subtract the maximum in `softmax`?", "q_softmax_text", locked=True))
    nb.cells.append(cell("markdown", "Reference: exp overflows past about 709; the shift leaves the result unchanged.",
                         "q_softmax", grade=True, solution=True, points=3))
    return nb


def make_root(root: Path, assignment: str = NAME, source: nbformat.NotebookNode | None = None) -> Path:
    """A course root holding the repository's config, with ``assignment`` alone in its schedule, and
    ``source`` (default: this synthetic notebook) as its source notebook."""
    config = (course.REPO_ROOT / course.CONFIG_NAME).read_text()
    schedule = f'ASSIGNMENTS = {{\n    "{assignment}": "2027-02-05 23:59:00 UTC",\n}}'
    root.mkdir(parents=True, exist_ok=True)
    (root / course.CONFIG_NAME).write_text(re.sub(r"(?ms)^ASSIGNMENTS = \{.*?^\}", schedule, config, count=1))
    path = course.notebook_path(root, "source", assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook() if source is None else source, path)
    return root
