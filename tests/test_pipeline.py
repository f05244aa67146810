"""The grading pipeline, with real nbgrader, for every assignment in source/.

For each assignment: the committed release is what ``nbgrader generate_assignment`` makes and holds
no solution or hidden test; the source notebook earns full marks; the untouched release earns zero;
every mutant (a plausible wrong solution, tests/mutants/<assignment>.py) loses the points of the
test cell meant to catch it; one autograde stays within the time budget.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from helpers import course
from tests.mutants import Mutant, mutants_for
from tests.submissions import is_test as is_test_cell
from tests.submissions import meta as nbgrader_meta

ROOT = course.REPO_ROOT
ASSIGNMENTS = list(course.schedule())
AUTOGRADE_BUDGET_S = 120  # CURRICULUM.md: autograde of one submission <= 2 min on a 2-core CPU
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Mutants are graded ten to one `nbgrader autograde` call (nbgrader's start-up, about 3 s, is paid once),
# beside an unmutated control; each chunk is one xdist group, so one worker grades it.
MUTANTS_PER_CALL = 10
CONTROL = "control"  # the unmutated student graded in every call


def mutant_chunks(assignment: str) -> list[list[Mutant]]:
    mutants = mutants_for(assignment)
    return [mutants[i: i + MUTANTS_PER_CALL] for i in range(0, len(mutants), MUTANTS_PER_CALL)]


MUTANT_CASES = [pytest.param(a, k, m, id=f"{a}:{m.name}", marks=pytest.mark.xdist_group(f"mutants-{a}-{k}"))
                for a in ASSIGNMENTS for k, chunk in enumerate(mutant_chunks(a)) for m in chunk]

pytestmark = pytest.mark.pipeline


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


def describe(grades: dict[str, course.CellGrade]) -> str:
    return ", ".join(f"{g.grade_id} {g.score:g}/{g.max_score:g}" for g in grades.values() if g.autograded)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_regenerated(assignment, course_for):
    built = json.loads(course.notebook_path(course_for(assignment).course_dir, "release", assignment).read_text())
    committed_path = course.notebook_path(ROOT, "release", assignment)
    assert committed_path.is_file(), f"release/{assignment} is missing: run `python -m helpers.course release`"
    assert json.loads(committed_path.read_text()) == built, (
        f"release/{assignment} differs from what nbgrader generates from source/: "
        "run `python -m helpers.course release` and commit the result"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_earns_full_marks_within_budget(assignment, course_for, record_property):
    grades, seconds = grade(course_for(assignment).course_dir, assignment, "solution",
                            course.notebook_path(ROOT, "source", assignment))
    record_property("autograde_seconds", f"{assignment}: {seconds:.1f} (data cache warm, other worker busy)")
    auto = [g for g in grades.values() if g.autograded]
    assert auto, "no autograded cells found"
    short = [f"{g.grade_id} {g.score:g}/{g.max_score:g}" for g in auto if g.score != g.max_score]
    assert not short, f"the reference solution lost points in: {short}"
    assert seconds <= AUTOGRADE_BUDGET_S, f"autograde took {seconds:.0f} s, budget {AUTOGRADE_BUDGET_S} s"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_stub_earns_zero(assignment, course_for):
    grades = course_for(assignment).stub_grades
    scored = [f"{g.grade_id} {g.score:g}/{g.max_score:g}" for g in grades.values() if g.autograded and g.score]
    assert not scored, f"these test cells pass on the unmodified stub (a test that cannot fail): {scored}"
    assert any(g.autograded for g in grades.values()), "the stub's autograde recorded no autograded cell"


def splice(notebook, mutant: Mutant):
    """The source notebook with the mutant's edit, cut after the test cell meant to catch it
    (later cells cannot change that cell's grade, so they need not run)."""
    mutated = copy.deepcopy(notebook)
    ids = cells_by_id(mutated)
    cell = mutated.cells[ids[mutant.cell]]
    found = cell.source.count(mutant.find)
    assert found == 1, (
        f"mutant {mutant.name}: its `find` text occurs {found} times in cell {mutant.cell!r}; "
        "update tests/mutants after changing the solution"
    )
    cell.source = cell.source.replace(mutant.find, mutant.replace)
    mutated.cells = mutated.cells[: ids[mutant.catches] + 1]
    return mutated


def mutant_student(chunk: int, name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", f"m{chunk}-{name}")


def control(notebook, mutants: list[Mutant]):
    """The unmutated source, cut after the last of the mutants' catching tests: graded beside them, it shows
    that those tests pass without the mutation here (a broken kernel or data cache would zero them all)."""
    ids = cells_by_id(notebook)
    cut = copy.deepcopy(notebook)
    cut.cells = cut.cells[: max(ids[m.catches] for m in mutants) + 1]
    return cut


@pytest.fixture(scope="session")
def mutant_grades(course_for):
    """(assignment, chunk) -> {mutant name or CONTROL: its cell grades, or why it could not be graded}."""
    graded = {}

    def get(assignment: str, chunk: int) -> dict[str, dict[str, course.CellGrade] | str]:
        if (assignment, chunk) not in graded:
            course_dir, source = course_for(assignment).course_dir, source_notebook(assignment)
            mutants = mutant_chunks(assignment)[chunk]
            results: dict[str, dict[str, course.CellGrade] | str] = {}
            course.submit(course_dir, assignment, mutant_student(chunk, CONTROL), control(source, mutants))
            for mutant in mutants:
                try:
                    course.submit(course_dir, assignment, mutant_student(chunk, mutant.name), splice(source, mutant))
                except AssertionError as error:  # its `find` text is gone from the solution
                    results[mutant.name] = str(error).splitlines()[0]
            # The splice ends at the catching test; RestoreReleaseCells would put the release's later cells back.
            try:
                course.autograde(course_dir, assignment, f"m{chunk}-*", options=["--RestoreReleaseCells.enabled=False"])
            except course.CourseError as error:  # nbgrader goes on after a failed submission; the others are graded
                failure = str(error)
            else:
                failure = ""
            for name in [CONTROL] + [m.name for m in mutants]:
                if name not in results:
                    try:
                        results[name] = course.cell_grades(course_dir, assignment, mutant_student(chunk, name))
                    except Exception as error:  # noqa: BLE001 - reported by the mutant's own test
                        results[name] = (f"{mutant_student(chunk, name)}: nbgrader recorded no grades ({error!r}); "
                                         f"its log:\n{failure[-3000:]}")
            graded[assignment, chunk] = results
        return graded[assignment, chunk]

    return get


@pytest.mark.parametrize("assignment, chunk, mutant", MUTANT_CASES)
def test_mutant_loses_the_points_of_its_test(assignment, chunk, mutant, mutant_grades):
    results = mutant_grades(assignment, chunk)
    grades, control_grades = results[mutant.name], results[CONTROL]
    if isinstance(grades, str):
        pytest.fail(grades)
    if isinstance(control_grades, str):
        pytest.fail(f"the unmutated control of this chunk could not be graded: {control_grades}")
    passing = control_grades[mutant.catches]
    assert passing.score == passing.max_score, (
        f"without the mutation, {mutant.catches!r} earned {passing.score:g}/{passing.max_score:g} in this run, "
        f"so the mutant proves nothing (is the kernel broken?). All cells: {describe(control_grades)}"
    )
    caught = grades[mutant.catches]
    assert caught.score < caught.max_score, (
        f"mutant {mutant.name!r} ({mutant.why}) kept {caught.score:g}/{caught.max_score:g} points "
        f"in test cell {mutant.catches!r}; strengthen that test. All cells: {describe(grades)}"
    )
