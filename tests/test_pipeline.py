"""The grading pipeline, with real nbgrader, for every assignment in source/.

For each assignment: the committed release is what ``nbgrader generate_assignment`` makes and holds
no solution or hidden test; the source notebook earns full marks and the untouched release zero; one
autograde stays within the time budget. Every mutant (a plausible wrong solution, tests/mutants/<a>.py)
loses the points of the test cell meant to catch it while the unmutated notebook passes that cell: judged
for all mutants by the mutant runner (tests/mutant_runner.py), one warm process per assignment, and
for a sample of them by real ``nbgrader autograde`` too; the two must give every test cell the same
score, and so must the runner's unmutated run and nbgrader's grading of the source notebook.

All tests of one assignment form one xdist group, so one worker builds its course once.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nbformat
import pytest

from helpers.course import pipeline as course
from tests.mutant_runner import Report, disagreements, grade_with_nbgrader, judge_in_subprocess
from tests.mutants import Mutant, mutants_for
from tests.submissions import is_test as is_test_cell
from tests.submissions import meta as nbgrader_meta

ROOT = course.REPO_ROOT
ASSIGNMENTS = list(course.schedule())
AUTOGRADE_BUDGET_S = 120  # CURRICULUM.md: autograde of one submission <= 2 min on a 2-core CPU
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
SAMPLE_ENV = "NLPCOURSE_MUTANT_SAMPLE"
SAMPLE_SIZE = 3


def in_group(assignment: str):
    return pytest.mark.xdist_group(f"pipeline-{assignment}")


PER_ASSIGNMENT = [pytest.param(a, id=a, marks=in_group(a)) for a in ASSIGNMENTS]
MUTANT_CASES = [pytest.param(a, m, id=f"{a}:{m.name}", marks=in_group(a)) for a in ASSIGNMENTS for m in mutants_for(a)]

pytestmark = pytest.mark.pipeline


def nbgrader_sample(source, mutants: list[Mutant], selection: str = "", today: date | None = None) -> list[Mutant]:
    """The mutants that nbgrader grades too: the one whose catching test comes last (its splice runs nearly
    the whole notebook, so it compares the most cells) and two more that rotate every ISO week.
    ``selection`` (``$NLPCOURSE_MUTANT_SAMPLE``): ``all``, or how many."""
    if selection.strip() == "all":
        return list(mutants)
    size = int(selection) if selection.strip() else SAMPLE_SIZE
    position = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(source.cells)}
    deepest = max(mutants, key=lambda m: position[m.catches], default=None)
    rest = [m for m in mutants if m is not deepest]
    week = (today or date.today()).isocalendar()[1]
    rotating = [rest[(week + k * len(rest) // max(size - 1, 1)) % len(rest)] for k in range(size - 1)] if rest else []
    return ([deepest] if deepest and size else []) + list(dict.fromkeys(rotating))[: max(size - 1, 0)]


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(course.notebook_path(ROOT, "source", assignment), as_version=4)


def cells_by_id(notebook) -> dict[str, int]:
    return {nbgrader_meta(c)["grade_id"]: i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade_id")}


def is_solution_code_cell(cell) -> bool:
    return cell.cell_type == "code" and nbgrader_meta(cell).get("solution", False)


def between_markers(text: str, begin: str, end: str) -> list[str]:
    """Non-blank lines inside ``### BEGIN ...`` / ``### END ...`` blocks."""
    inside, lines = False, []
    for line in text.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


@dataclass
class GradedCourse:
    course_dir: Path
    stub_grades: dict[str, course.CellGrade]


@pytest.fixture(scope="session")
def course_for(tmp_path_factory):
    """A scratch nbgrader course per assignment (built once per worker): the release generated and the
    untouched release autograded, which also fills the data cache as a TA's first submission does."""
    built = {}

    def get(assignment: str) -> GradedCourse:
        if assignment not in built:
            course_dir = tmp_path_factory.mktemp(f"course-{assignment}")
            course.make_course(course_dir, [assignment])
            release = course.generate_release(course_dir, assignment)
            stub_grades, _ = grade(course_dir, assignment, "stub", release)
            built[assignment] = GradedCourse(course_dir, stub_grades)
        return built[assignment]

    return get


def grade(course_dir, assignment, student, notebook, options=()) -> tuple[dict[str, course.CellGrade], float]:
    course.submit(course_dir, assignment, student, notebook)
    seconds = course.autograde(course_dir, assignment, student, options=options)
    return course.cell_grades(course_dir, assignment, student), seconds


@pytest.mark.parametrize("assignment", PER_ASSIGNMENT)
def test_committed_release_is_regenerated(assignment, course_for):
    built = json.loads(course.notebook_path(course_for(assignment).course_dir, "release", assignment).read_text())
    committed_path = course.notebook_path(ROOT, "release", assignment)
    assert committed_path.is_file(), f"release/{assignment} is missing: run `python -m helpers.course release`"
    assert json.loads(committed_path.read_text()) == built, (
        f"release/{assignment} differs from what nbgrader generates from source/: "
        "run `python -m helpers.course release` and commit the result"
    )


@pytest.mark.parametrize("assignment", PER_ASSIGNMENT)
def test_release_hides_solutions_and_hidden_tests(assignment, course_for):
    release_path = course.notebook_path(course_for(assignment).course_dir, "release", assignment)
    release = nbformat.read(release_path, as_version=4)
    text = release_path.read_text()
    for marker in MARKERS:
        assert marker not in text, f"the release still contains '{marker}'"
    released = {nbgrader_meta(c).get("grade_id"): c for c in release.cells}
    for cell in source_notebook(assignment).cells:
        meta = nbgrader_meta(cell)
        if not meta.get("grade_id"):
            continue
        shown = released[meta["grade_id"]]
        assert not shown.get("outputs") and not shown.get("attachments"), f"{meta['grade_id']}: outputs in release"
        if cell.cell_type == "markdown" and meta.get("solution"):
            assert shown.source.strip() == "YOUR ANSWER HERE", f"{meta['grade_id']}: reference answer leaked"
            continue
        secret = between_markers(cell.source, "BEGIN SOLUTION", "END SOLUTION")
        secret += between_markers(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
        public = {line.strip() for line in shown.source.splitlines()}
        outside = {line.strip() for line in re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", "",
                                                    cell.source, flags=re.S).splitlines()}
        leaked = [line for line in secret if line in public and line not in outside]
        assert not leaked, f"{meta['grade_id']}: release shows hidden lines {leaked[:3]}"


@pytest.mark.parametrize("assignment", PER_ASSIGNMENT)
def test_every_graded_cell_has_hidden_tests_and_a_mutant(assignment):
    notebook = source_notebook(assignment)
    ids = cells_by_id(notebook)
    tests = [nbgrader_meta(c)["grade_id"] for c in notebook.cells if is_test_cell(c)]
    solutions = [nbgrader_meta(c)["grade_id"] for c in notebook.cells if is_solution_code_cell(c)]
    assert len(set(ids)) == len(ids)
    without_hidden = [t for t in tests if "BEGIN HIDDEN TESTS" not in notebook.cells[ids[t]].source]
    assert not without_hidden, f"test cells without hidden tests: {without_hidden}"
    mutants = mutants_for(assignment)
    assert len({m.name for m in mutants}) == len(mutants), "mutant names must be unique"
    for mutant in mutants:
        assert mutant.cell in solutions, f"mutant {mutant.name}: {mutant.cell!r} is not a solution cell"
        assert mutant.catches in tests, f"mutant {mutant.name}: {mutant.catches!r} is not a test cell"
        assert ids[mutant.catches] > ids[mutant.cell], f"mutant {mutant.name}: its test runs before its cell"
    untested = sorted(set(solutions) - {m.cell for m in mutants})
    assert not untested, f"graded functions with no mutant in tests/mutants/{assignment}.py: {untested}"


@pytest.fixture(scope="session")
def solution_grades(course_for):
    """assignment -> (the source notebook's cell grades from a real autograde, its seconds); graded once."""
    graded = {}

    def get(assignment: str) -> tuple[dict[str, course.CellGrade], float]:
        if assignment not in graded:
            graded[assignment] = grade(course_for(assignment).course_dir, assignment, "solution",
                                       course.notebook_path(ROOT, "source", assignment))
        return graded[assignment]

    return get


@pytest.mark.parametrize("assignment", PER_ASSIGNMENT)
def test_source_earns_full_marks_within_budget(assignment, solution_grades, record_property):
    grades, seconds = solution_grades(assignment)
    record_property("autograde_seconds", f"{assignment}: {seconds:.1f} (data cache warm, other worker busy)")
    auto = [g for g in grades.values() if g.autograded]
    assert auto, "no autograded cells found"
    short = [f"{g.grade_id} {g.score:g}/{g.max_score:g}" for g in auto if g.score != g.max_score]
    assert not short, f"the reference solution lost points in: {short}"
    assert seconds <= AUTOGRADE_BUDGET_S, f"autograde took {seconds:.0f} s, budget {AUTOGRADE_BUDGET_S} s"


@pytest.mark.parametrize("assignment", PER_ASSIGNMENT)
def test_release_stub_earns_zero(assignment, course_for):
    grades = course_for(assignment).stub_grades
    scored = [f"{g.grade_id} {g.score:g}/{g.max_score:g}" for g in grades.values() if g.autograded and g.score]
    assert not scored, f"these test cells pass on the unmodified stub (a test that cannot fail): {scored}"
    assert any(g.autograded for g in grades.values()), "the stub's autograde recorded no autograded cell"


# ------------------------------------------------------------------------------------------ mutants


@pytest.fixture(scope="session")
def runner_report(tmp_path_factory):
    """assignment -> the mutant runner's report on all its mutants (run once, in its own process)."""
    reports = {}

    def get(assignment: str) -> Report:
        if assignment not in reports:
            log = tmp_path_factory.mktemp(f"runner-{assignment}") / "runner.log"
            reports[assignment] = judge_in_subprocess(assignment, log)
        return reports[assignment]

    return get


@pytest.mark.parametrize("assignment, mutant", MUTANT_CASES)
def test_mutant_loses_the_points_of_its_test(assignment, mutant, runner_report):
    report = runner_report(assignment)
    run, control = report.mutants[mutant.name], report.control[mutant.catches]
    assert not run.error, run.error
    assert control.score == control.max_score, (
        f"without the mutation, {mutant.catches!r} earned {control.score:g}/{control.max_score:g} "
        f"({control.error}), so the mutant proves nothing")
    caught = run.cells[mutant.catches]
    assert caught.score < caught.max_score, (
        f"mutant {mutant.name!r} ({mutant.why}) kept {caught.score:g}/{caught.max_score:g} points "
        f"in test cell {mutant.catches!r}; strengthen that test")


@pytest.mark.parametrize("assignment", PER_ASSIGNMENT)
def test_mutant_runner_scores_the_source_as_nbgrader_does(assignment, runner_report, solution_grades):
    """The runner's unmutated run is the control of every mutant: it must score each test cell as the real
    autograde of the source notebook does."""
    grades, _ = solution_grades(assignment)
    control = runner_report(assignment).control
    differ = [f"{cell}: nbgrader {g.score:g}, mutant runner {control[cell].score:g} {control[cell].error[:200]}"
              for cell, g in grades.items() if g.autograded and g.score != control[cell].score]
    assert set(control) == {cell for cell, g in grades.items() if g.autograded}
    assert not differ, "the mutant runner drifted from nbgrader on the unmutated notebook:\n" + "\n".join(differ)


@pytest.mark.parametrize("assignment", PER_ASSIGNMENT)
def test_mutant_runner_agrees_with_nbgrader_on_a_sample(assignment, course_for, runner_report, record_property):
    """The sampled mutants, spliced and graded by real ``nbgrader autograde``, get on every test cell up to
    their catching one the score the runner gave (the cells before the mutated one are the control)."""
    source = source_notebook(assignment)
    sample = nbgrader_sample(source, mutants_for(assignment), os.environ.get(SAMPLE_ENV, ""))
    report = runner_report(assignment)
    graded = grade_with_nbgrader(course_for(assignment).course_dir, assignment, source, sample, timeout=None)
    record_property("mutant_sample", f"{assignment}: {', '.join(m.name for m in sample)}")
    problems = []
    for mutant in sample:
        if isinstance(graded[mutant.name], str):
            problems.append(f"{mutant.name}: {graded[mutant.name]}")
        else:
            problems += [f"{mutant.name}: {d}" for d in disagreements(report, mutant, graded[mutant.name], source)]
    assert not problems, "the mutant runner and nbgrader disagree (fix the runner before trusting it):\n" + "\n".join(problems)
