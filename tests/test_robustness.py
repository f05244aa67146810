"""Grading survives real submissions: batches of bad submissions graded with real ``nbgrader autograde``
through ``python -m helpers.course grade``, then checked class by class.

Every bad submission is built from a release notebook (tests/submissions.py). Most are compared with a
reference student: a fault in a function must cost exactly what an exception in it costs (``raises``),
and a harmless difference (Colab, stderr, floods, moved cells) must cost nothing (``clean``).

The plug-ins under test do not depend on the assignment, so every run proves every class on the synthetic
assignment (tests/synthetic.py, about two minutes), and on one real assignment that rotates every ISO week
(10-18 minutes of one worker).
"""
from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nbformat
import pytest

from helpers.course import pipeline as course
from helpers.course import batch as grading_batch
from helpers.course import report
from tests import submissions as sub
from tests import synthetic
from tests.mutants import mutants_for

ROOT = course.REPO_ROOT
SELECTION_ENV = "NLPCOURSE_ROBUSTNESS"


def robustness_assignments(schedule: list[str], selection: str = "", today: date | None = None) -> list[str]:
    """The real assignments that get a batch beside the synthetic one: one that rotates every ISO week.
    ``selection`` (``$NLPCOURSE_ROBUSTNESS``) overrides: ``all``, or assignment names separated by commas."""
    if selection.strip() == "all":
        return list(schedule)
    if selection.strip():
        names = [name.strip() for name in selection.split(",") if name.strip()]
        unknown = sorted(set(names) - set(schedule))
        if unknown:
            raise ValueError(f"${SELECTION_ENV} names {unknown}, which are not scheduled; choose from {list(schedule)} or 'all'")
        return names
    week = (today or date.today()).isocalendar()[1]
    return [schedule[week % len(schedule)]] if schedule else []


# one xdist group per assignment: its batch fixture is built once, by the worker that runs the group
ASSIGNMENTS = [pytest.param(a, id=a, marks=pytest.mark.xdist_group(f"robustness-{a}"))
               for a in [synthetic.NAME] + robustness_assignments(list(course.schedule()), os.environ.get(SELECTION_ENV, ""))]
# a shorter leash than the real config, so that the hangs cost seconds; the memory cap still fits the solutions
TEST_CONFIG = """
c.Execute.timeout = {timeout}
c.GuardedExecute.notebook_timeout = 900
c.GuardedExecute.memory_limit_gb = {memory_gb}
c.GuardedExecute.max_kernel_restarts = 3
"""
# (per-cell timeout s, memory cap GiB): the synthetic cells take milliseconds and numpy alone, so the hangs cost
# 10 s and the memory class fills 1 GiB; a real assignment's slowest graded cell needs 30 s and its data 4 GiB
LEASH = {synthetic.NAME: (10, 1)}
REAL_LEASH = (30, 4)

pytestmark = pytest.mark.pipeline


@dataclass
class Batch:
    course_dir: Path
    assignment: str
    rows: dict[str, report.ReportRow]
    grades: dict[str, dict[str, course.CellGrade]]
    targets: list[tuple[int, str, int]]
    clean: nbformat.NotebookNode
    mutant: object
    regraded_clean: dict[str, course.CellGrade]

    def graded_notebook(self, student: str):
        return nbformat.read(self.course_dir / "autograded" / student / self.assignment / f"{self.assignment}.ipynb",
                             as_version=4)

    def scores(self, student: str) -> dict[str, float]:
        return {g.grade_id: g.score for g in self.grades[student].values() if g.autograded}

    def test_ids(self, *students_targets) -> list[str]:
        return [sub.grade_id(self.clean.cells[test]) for _, _, test in students_targets]


def build_submissions(clean, targets, mutant) -> dict[str, object]:
    """student -> a notebook, raw text/bytes for a file, or {file name: content} for a whole folder."""
    first_index, first_name, _ = targets[0]
    students: dict[str, object] = {"clean": clean}
    for fault, body in sub.FAULTS.items():
        students[fault] = sub.redefine(clean, first_index, first_name, body)
    students["restructured"] = sub.restructured(clean, targets)
    students["deleted_tests"] = sub.with_deleted_tests(clean, targets[:3])
    students["tamper_definition"] = sub.tampered(clean, mutant, sub.TAMPER_AT_DEFINITION)
    students["tamper_call"] = sub.tampered(clean, mutant, sub.TAMPER_AT_CALL)
    students["breaks_kernel"] = sub.tampered(clean, mutant, sub.KERNEL_BREAKER)
    students["colab"] = sub.colab(clean)
    students["nbformat3"] = sub.nbformat_v3(clean)
    students["nbformat_future"] = sub.nbformat_future(clean)
    students["stripped"] = sub.stripped(clean)
    students["noisy"] = sub.redefine(clean, first_index, first_name, sub.NOISY_BODY.format(name=first_name))
    flood = sub.redefine(clean, first_index, first_name, f'print("y" * 200_000)\nreturn _{first_name}_correct(*args, **kwargs)')
    flood.cells[first_index].source += sub.FLOOD_CELL
    students["flood"] = flood
    students["returns_none"] = sub.returning(clean, "None")
    students["returns_string"] = sub.returning(clean, '"forty-two"')
    students["missing"] = {"notes.txt": "I forgot to upload my notebook"}
    students["renamed"] = {"Copy of {a}.ipynb": nbformat.writes(clean)}
    students["empty"] = b""
    students["invalid_json"] = '{"cells": [ {"cell_type": "code", "source": "print(1)"'
    return students


def write_submission(course_dir: Path, assignment: str, student: str, content) -> None:
    folder = course_dir / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(content, nbformat.NotebookNode):
        nbformat.write(content, folder / f"{assignment}.ipynb")
    elif isinstance(content, dict):
        for name, text in content.items():
            (folder / name.format(a=assignment)).write_text(text)
    elif isinstance(content, bytes):
        (folder / f"{assignment}.ipynb").write_bytes(content)
    else:
        (folder / f"{assignment}.ipynb").write_text(content)


@pytest.fixture(scope="session")
def batch_for(tmp_path_factory):
    built = {}

    def get(assignment: str) -> Batch:
        if assignment not in built:
            is_synthetic = assignment == synthetic.NAME
            root = synthetic.make_root(tmp_path_factory.mktemp("synthetic-root")) if is_synthetic else ROOT
            course_dir = tmp_path_factory.mktemp(f"robust-{assignment}")
            course.make_course(course_dir, [assignment], root=root)
            with open(course_dir / course.CONFIG_NAME, "a") as config:
                timeout, memory_gb = LEASH.get(assignment, REAL_LEASH)
                config.write(TEST_CONFIG.format(timeout=timeout, memory_gb=memory_gb))
            release = nbformat.read(course.generate_release(course_dir, assignment), as_version=4)
            source = nbformat.read(course.notebook_path(root, "source", assignment), as_version=4)
            clean = sub.solved(release, source)
            targets = sub.function_answers(clean)
            assert len(targets) >= 6, "the robustness batch needs six answer cells that define functions"
            mutants = synthetic.MUTANTS if is_synthetic else mutants_for(assignment)
            mutant = next(m for m in mutants if m.cell in {sub.grade_id(clean.cells[i]) for i, _, _ in targets})
            for student, content in build_submissions(clean, targets, mutant).items():
                write_submission(course_dir, assignment, student, content)
            rows = {row.student: row for row in grading_batch.grade_all(course_dir, assignment)}
            grades = {s: course.cell_grades(course_dir, assignment, s) for s, row in rows.items() if row.score is not None}
            course.autograde(course_dir, assignment, "clean")
            regraded = course.cell_grades(course_dir, assignment, "clean")
            built[assignment] = Batch(course_dir, assignment, rows, grades, targets, clean, mutant, regraded)
        return built[assignment]

    return get


def differences(batch: Batch, student: str, reference: str) -> list[str]:
    got, expected = batch.scores(student), batch.scores(reference)
    return [f"{cell}: {got.get(cell)} (as {reference}: {expected[cell]})" for cell in expected if got.get(cell) != expected[cell]]


# ------------------------------------------------------------------------------------------ the classes


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_correct_submission_earns_full_marks_with_nothing_flagged(assignment, batch_for):
    batch = batch_for(assignment)
    row = batch.rows["clean"]
    assert row.score == row.max_score > 0, f"the solved release scored {row.score}/{row.max_score}"
    assert not (row.flags or row.crashed or row.timed_out or row.notes), f"false alarms on a correct submission: {row}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("fault", ["loops", "ignores_interrupt", "asks_input"])
def test_a_hang_costs_only_the_cells_that_call_it(assignment, fault, batch_for):
    """Class 1: the per-cell timeout interrupts the hang (or a fresh kernel replaces an unresponsive
    one); later cells still run and keep their points."""
    batch = batch_for(assignment)
    assert not differences(batch, fault, "raises"), differences(batch, fault, "raises")
    assert batch.scores(fault)[batch.test_ids(batch.targets[0])[0]] == 0
    row = batch.rows[fault]
    if fault == "loops":
        assert row.timed_out, "the report does not show the timeout"
    if fault == "ignores_interrupt":
        assert row.timed_out and any("kernel hung" in c for c in row.crashed), row


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("fault, kind", [("exits", "kernel died"), ("segfaults", "kernel died"),
                                         ("exhausts_memory", "memory")])
def test_a_crash_gets_a_recorded_grade_and_a_reason(assignment, fault, kind, batch_for):
    """Class 2: os._exit, a segfault, memory past the cap: the batch goes on, the grade is recorded,
    the report says why."""
    batch = batch_for(assignment)
    row = batch.rows[fault]
    assert row.score is not None, f"no grade recorded for {fault}"
    assert not differences(batch, fault, "raises"), differences(batch, fault, "raises")
    assert any(kind in c for c in row.crashed), f"the report does not say '{kind}': {row.crashed}"
    assert row.needs_attention


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_moved_deleted_or_relabelled_cells_do_not_change_the_grade(assignment, batch_for):
    """Class 3: tests deleted, emptied, edited (with more points), duplicated or moved, answers
    duplicated or relabelled: the original tests grade the submission."""
    batch = batch_for(assignment)
    assert not differences(batch, "restructured", "clean"), differences(batch, "restructured", "clean")
    assert batch.rows["restructured"].max_score == batch.rows["clean"].max_score
    assert batch.rows["restructured"].notes, "the repairs are not in the report"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_deleting_the_test_of_a_wrong_answer_does_not_earn_its_points(assignment, batch_for):
    batch = batch_for(assignment)
    scores = batch.scores("deleted_tests")
    lost = {t: scores[t] for t in batch.test_ids(*batch.targets[:3])}
    assert all(score == 0 for score in lost.values()), f"wrong answers kept points after their tests were removed: {lost}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_patching_the_checks_when_the_answer_runs_is_undone_and_flagged(assignment, batch_for):
    """Class 4: grading.check_*, np.allclose, builtins, an IPython input transformer and a fake
    `grading`, all replaced by the answer cell: put back before the tests run, and flagged."""
    batch = batch_for(assignment)
    caught = batch.scores("tamper_definition")[batch.mutant.catches]
    assert caught == 0, f"the wrong answer kept {caught} points by patching the checks"
    flags = " ".join(batch.rows["tamper_definition"].flags)
    for expected in ("helpers.grading.check_close was replaced", "numpy.allclose was replaced",
                     "builtins.abs was replaced", "input_transformers_post", "'grading' no longer refers",
                     "setattr", "IPython kernel object", "replaces np.allclose"):
        assert expected in flags, f"flag missing: {expected!r} in {flags}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_patching_the_checks_from_inside_a_function_is_flagged(assignment, batch_for):
    batch = batch_for(assignment)
    row = batch.rows["tamper_call"]
    flags = " ".join(row.flags)
    assert "helpers.grading.check_" in flags and "(at run time)" in flags, row.flags
    assert "__import__" in flags and "setattr" in flags, row.flags
    assert row.needs_attention


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_patching_builtins_that_break_the_kernel_costs_the_answer_and_is_flagged(assignment, batch_for):
    """Replacing builtins.isinstance breaks the kernel itself: the cell is skipped in a fresh kernel."""
    batch = batch_for(assignment)
    row = batch.rows["breaks_kernel"]
    assert batch.scores("breaks_kernel")[batch.mutant.catches] == 0
    assert any("replaces builtins.isinstance" in f for f in row.flags), row.flags
    assert any("kernel hung" in c for c in row.crashed), row.crashed


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("student", ["colab", "nbformat3", "nbformat_future", "stripped"])
def test_colab_and_other_formats_are_graded_like_the_original(assignment, student, batch_for):
    """Class 5: Colab's metadata, cell ids and widget outputs; nbformat 3; a newer nbformat minor;
    an editor that dropped the nbgrader metadata."""
    batch = batch_for(assignment)
    assert not differences(batch, student, "clean"), differences(batch, student, "clean")
    assert not batch.rows[student].flags


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stderr_warnings_and_progress_bars_keep_full_marks(assignment, batch_for):
    """Class 6."""
    batch = batch_for(assignment)
    assert not differences(batch, "noisy", "clean"), differences(batch, "noisy", "clean")
    graded = batch.graded_notebook("noisy")
    test_cell = graded.cells[[sub.grade_id(c) for c in graded.cells].index(batch.test_ids(batch.targets[0])[0])]
    shown = "".join(o.get("text", "") for o in test_cell.outputs if o.get("output_type") == "stream")
    assert "debug: called" in shown, "the student's stderr output should stay visible in the feedback"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_floods_of_output_are_cut_and_grading_finishes(assignment, batch_for):
    """Class 7: megabytes of printing and a huge figure."""
    batch = batch_for(assignment)
    assert not differences(batch, "flood", "clean"), differences(batch, "flood", "clean")
    path = batch.course_dir / "autograded" / "flood" / assignment / f"{assignment}.ipynb"
    clean_path = batch.course_dir / "autograded" / "clean" / assignment / f"{assignment}.ipynb"
    extra_kb = (path.stat().st_size - clean_path.stat().st_size) / 1024
    assert extra_kb < 200, f"the flood added {extra_kb:.0f} KiB to the graded notebook"
    assert "removed by the grader" in path.read_text()
    course.nbgrader(["generate_feedback", assignment, "--student=flood", "--force"], batch.course_dir)
    html = next((batch.course_dir / "feedback" / "flood" / assignment).glob("*.html"))
    assert html.stat().st_size < 3 * 2**20, f"feedback is {html.stat().st_size / 2**20:.1f} MiB"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("student", ["returns_none", "returns_string"])
def test_wrong_return_types_fail_with_a_teaching_message(assignment, student, batch_for):
    """Class 8: a test fails with the checks' AssertionError, never a TypeError inside the test code."""
    batch = batch_for(assignment)
    graded = batch.graded_notebook(student)
    machinery_errors = []
    for cell in graded.cells:
        if not sub.is_test(cell):
            continue
        for output in cell.outputs:
            if output.get("output_type") == "error" and output.get("ename") != "AssertionError":
                machinery_errors.append(f"{sub.grade_id(cell)}: {output['ename']}: {output['evalue'][:100]}")
    assert not machinery_errors, "test cells failed inside their own code instead of with a check:\n" + "\n".join(machinery_errors)
    assert all(batch.scores(student)[t] == 0 for t in batch.test_ids(*batch.targets)), "a test passed on a wrong type"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_broken_submission_folders_get_a_clear_message_and_the_batch_goes_on(assignment, batch_for):
    """Class 9: missing, renamed, empty and invalid-JSON notebooks."""
    batch = batch_for(assignment)
    expectations = {"missing": "is missing", "empty": "empty", "invalid_json": "not a readable notebook",
                    "renamed": "was submitted as 'Copy of"}
    for student, words in expectations.items():
        row = batch.rows[student]
        assert any(words in note for note in row.notes), f"{student}: {row.notes}"
        assert row.score is not None, f"{student}: no grade recorded"
    assert not differences(batch, "renamed", "clean")
    for student in ("missing", "empty", "invalid_json"):
        assert batch.rows[student].score == 0
    ungraded = [s for s, row in batch.rows.items() if row.score is None]
    assert not ungraded, f"students left without a grade: {ungraded}"


def secret_lines(cell) -> list[str]:
    text = cell.source
    if cell.cell_type == "markdown" and sub.meta(cell).get("solution"):
        return [line.strip() for line in text.splitlines() if len(line.strip()) > 20]
    found = re.findall(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", text, flags=re.S)
    public = {line.strip() for line in re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", "", text, flags=re.S).splitlines()}
    return [line.strip() for _, block in found for line in block.splitlines()
            if len(line.strip()) > 20 and line.strip() not in public]


@pytest.mark.parametrize("assignment", list(course.schedule()))
def test_release_holds_no_trace_of_solutions(assignment):
    """Class 10: no solution or hidden-test line anywhere in the release file (code, metadata,
    outputs, attachments), no outputs, execution counts or attachments at all."""
    release_text = course.notebook_path(ROOT, "release", assignment).read_text()
    release = nbformat.reads(release_text, as_version=4)
    source = nbformat.read(course.notebook_path(ROOT, "source", assignment), as_version=4)
    public = "\n".join(c.source for c in release.cells)  # what the release shows on purpose
    searchable = json.dumps(json.loads(release_text))  # every string in the file, escapes included
    leaked = [line for cell in source.cells for line in secret_lines(cell)
              if json.dumps(line)[1:-1] in searchable and line not in public]
    assert not leaked, f"solution lines in the release (metadata or outputs): {leaked[:3]}"
    for cell in release.cells:
        assert not cell.get("attachments"), f"attachment in {sub.grade_id(cell)}"
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"outputs in {sub.grade_id(cell)}"
    assert set(release.metadata) <= {"kernelspec", "language_info"}, f"unexpected metadata: {set(release.metadata)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_twice_gives_the_same_grade(assignment, batch_for):
    """Class 11."""
    batch = batch_for(assignment)
    first = {k: g.score for k, g in batch.grades["clean"].items()}
    again = {k: g.score for k, g in batch.regraded_clean.items()}
    assert first == again


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_report_table_and_csv(assignment, batch_for):
    batch = batch_for(assignment)
    table = grading_batch.write_report(batch.course_dir, assignment, list(batch.rows.values()))
    with open(batch.course_dir / "reports" / f"{assignment}.csv") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert set(rows) == set(batch.rows)
    assert rows["clean"]["needs_attention"] == "False" and rows["tamper_call"]["needs_attention"] == "True"
    assert rows["exits"]["crashed"] and rows["loops"]["timed_out"]
    for student in batch.rows:
        assert student in table
    assert "tamper_call  <- needs a look" in table
