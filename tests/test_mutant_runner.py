"""The fast mutant path (tests/mutant_runner.py) against real nbgrader, on the synthetic assignment.

The pipeline test trusts the runner's verdicts for every mutant because a sample of them is also graded
by nbgrader and the two must agree cell by cell. These tests show that comparison at work: honest
mutants (caught or not) agree, and a mutant whose behaviour depends on running inside a Jupyter kernel,
the kind of drift the comparison exists for, is reported.
"""
from __future__ import annotations

import nbformat
import pytest

from helpers.course import pipeline as course
from tests import synthetic
from tests.mutant_runner import disagreements, grade_with_nbgrader, judge_in_subprocess
from tests.mutants import Mutant

UNNOTICED = Mutant("word_counts_reordered", "word_counts", "counts.get(token, 0) + 1", "1 + counts.get(token, 0)",
                   "test_word_counts", "the same sum written the other way round: no test can notice")
KERNEL_DEPENDENT = Mutant(
    "normalise_outside_jupyter", "normalise", "return v / np.linalg.norm(v)",
    "return v / np.linalg.norm(v) * (1 if 'ipykernel' in __import__('sys').modules else 2)", "test_normalise",
    "wrong only outside a Jupyter kernel: the runner would call it caught, nbgrader would not")
MUTANTS = synthetic.MUTANTS + [UNNOTICED, KERNEL_DEPENDENT]


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory):
    root = synthetic.make_root(tmp_path_factory.mktemp("synthetic-root"))
    report = judge_in_subprocess(synthetic.NAME, tmp_path_factory.mktemp("runner") / "runner.log", root=root,
                                 mutants=MUTANTS)
    course_dir = course.make_course(tmp_path_factory.mktemp("synthetic-course"), root=root)
    course.generate_release(course_dir, synthetic.NAME)
    source = nbformat.read(course.notebook_path(root, "source", synthetic.NAME), as_version=4)
    return report, grade_with_nbgrader(course_dir, synthetic.NAME, source, MUTANTS), source


def test_the_runner_scores_the_unmutated_notebook_full_marks(both_paths):
    report, _, _ = both_paths
    assert report.control and all(o.score == o.max_score for o in report.control.values()), report.control


@pytest.mark.parametrize("mutant", synthetic.MUTANTS + [UNNOTICED], ids=lambda m: m.name)
def test_honest_mutants_get_the_same_scores_on_both_paths(mutant, both_paths):
    report, graded, source = both_paths
    assert not isinstance(graded[mutant.name], str), graded[mutant.name]
    assert disagreements(report, mutant, graded[mutant.name], source) == []
    caught = report.mutants[mutant.name].cells[mutant.catches]
    assert (caught.score < caught.max_score) == (mutant is not UNNOTICED)


def test_a_mutant_that_behaves_differently_in_a_kernel_is_reported(both_paths):
    report, graded, source = both_paths
    found = disagreements(report, KERNEL_DEPENDENT, graded[KERNEL_DEPENDENT.name], source)
    assert found == ["test_normalise: nbgrader 2, mutant runner 0 (of 2)"], found


def test_a_mutant_that_no_longer_applies_is_reported_not_judged(tmp_path):
    root = synthetic.make_root(tmp_path / "root")
    stale = Mutant("stale", "softmax", "text that is not in the cell", "x", "test_softmax", "outdated")
    report = judge_in_subprocess(synthetic.NAME, tmp_path / "runner.log", root=root, mutants=[stale])
    assert "occurs 0 times" in report.mutants["stale"].error
    assert disagreements(report, stale, {}, nbformat.read(course.notebook_path(root, "source", synthetic.NAME), 4))
