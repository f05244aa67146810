"""helpers.course on a small synthetic course, with real nbgrader: what the grading config promises."""
from __future__ import annotations

import html
import re
import shutil

import nbformat
import pytest

from helpers.course import pipeline as course
from tests.synthetic import cell, make_root


def tiny_assignment() -> nbformat.NotebookNode:
    """Two graded functions; the test cells of both make numpy and Python print warnings."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        cell("code", "import warnings\nimport numpy as np", "setup", locked=True),
        cell("code", "def safe_log(x):\n    ### BEGIN SOLUTION\n    return np.log(x)\n    ### END SOLUTION",
             "safe_log", solution=True),
        cell("code", "assert np.log(0.0) == -np.inf  # RuntimeWarning: divide by zero\n"
                     "assert safe_log(np.e) == 1.0\n### BEGIN HIDDEN TESTS\nassert safe_log(1.0) == 0.0\n"
                     "### END HIDDEN TESTS", "test_safe_log", grade=True, locked=True, points=2),
        cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
             "double", solution=True),
        cell("code", "warnings.warn('a library warning', UserWarning)\nassert double(3) == 6",
             "test_double", grade=True, locked=True, points=3),
        cell("markdown", "Reference answer and rubric.", "q_why", grade=True, solution=True, points=1),
    ]
    return notebook


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("tiny-root"), "tiny", tiny_assignment())
    course_dir = course.make_course(tmp_path_factory.mktemp("tiny-course"), root=root)
    release = course.generate_release(course_dir, "tiny")
    return root, course_dir, release


def test_schedule_is_read_from_the_config(tiny_course):
    root, _, _ = tiny_course
    assert list(course.schedule(root)) == ["tiny"]


def test_warnings_in_test_cells_do_not_zero_correct_code(tiny_course):
    root, course_dir, _ = tiny_course
    course.submit(course_dir, "tiny", "correct", course.notebook_path(root, "source", "tiny"))
    course.autograde(course_dir, "tiny", "correct")
    grades = course.cell_grades(course_dir, "tiny", "correct")
    assert {g: (grades[g].score, grades[g].max_score) for g in ("test_safe_log", "test_double")} == {
        "test_safe_log": (2, 2), "test_double": (3, 3)}
    assert grades["q_why"].autograded is False


def test_stub_earns_zero_and_the_table_says_so(tiny_course):
    _, course_dir, release = tiny_course
    course.submit(course_dir, "tiny", "stub", release)
    course.autograde(course_dir, "tiny", "stub")
    grades = course.cell_grades(course_dir, "tiny", "stub")
    assert [grades[g].score for g in ("test_safe_log", "test_double")] == [0, 0]
    table = course.grade_table([("stub", "tiny", grades)]).splitlines()
    assert table[1].split()[:5] == ["stub", "tiny", "0", "/", "5"]
    assert table[1].split()[-1] == "2/2"  # both autograded cells at zero


def test_feedback_keeps_hidden_tests_hidden_but_the_score_and_message(tiny_course):
    """A student who fails only a hidden test: the feedback shows the cell's score and the failure, not the
    hidden code (nor the traceback frame quoting it), unless the instructor opts in."""
    root, course_dir, _ = tiny_course
    submission = nbformat.read(course.notebook_path(root, "source", "tiny"), as_version=4)
    submission.cells[1].source = "def safe_log(x):\n    return np.log(x) if x != 1.0 else 7.0"
    course.submit(course_dir, "tiny", "hidden_fail", submission)
    course.autograde(course_dir, "tiny", "hidden_fail")
    assert course.cell_grades(course_dir, "tiny", "hidden_fail")["test_safe_log"].score == 0

    def feedback(*options: str) -> str:
        """The feedback page's text, without tags (the code is split into highlighted spans)."""
        course.nbgrader(["generate_feedback", "tiny", "--student=hidden_fail", "--force", *options], course_dir)
        page = (course_dir / "feedback" / "hidden_fail" / "tiny" / "tiny.html").read_text()
        return html.unescape(re.sub(r"<[^>]+>", "", page))

    text = feedback()
    for secret in ("safe_log(1.0)", "BEGIN HIDDEN TESTS"):
        assert secret not in text, f"the feedback shows {secret!r}"
    assert "hidden tests: not shown in the feedback" in text
    assert "safe_log(np.e)" in text, "the visible test should stay"
    assert "AssertionError" in text and re.search(r"Score: 0(\.0)? / 2(\.0)?", text), "score and failure should stay"
    assert "safe_log(1.0)" in feedback("--HideHiddenTests.enabled=False")


def test_missing_source_folder_is_a_clear_error(tmp_path):
    shutil.copy(course.REPO_ROOT / course.CONFIG_NAME, tmp_path / course.CONFIG_NAME)
    with pytest.raises(course.CourseError, match="no folder source/"):
        course.make_course(tmp_path / "course", ["hw99_missing"], root=tmp_path)


def test_failing_nbgrader_command_reports_its_log(tmp_path):
    shutil.copy(course.REPO_ROOT / course.CONFIG_NAME, tmp_path / course.CONFIG_NAME)
    with pytest.raises(course.CourseError, match="generate_assignment hw99_missing --force failed(.|\n)*No notebooks were matched"):
        course.generate_release(tmp_path, "hw99_missing")


def test_robustness_selection_rotates_one_real_assignment_a_week():
    from datetime import date

    from tests.test_robustness import robustness_assignments

    schedule = ["hw01", "hw02", "hw03", "hw04"]
    picked = [robustness_assignments(schedule, "", date.fromisocalendar(2027, w, 1)) for w in range(1, 5)]
    assert all(len(p) == 1 for p in picked), picked
    assert {p[0] for p in picked} == set(schedule), "every assignment comes round within len(schedule) weeks"
    assert robustness_assignments(schedule, "all") == schedule
    assert robustness_assignments(schedule, " hw02 , hw04") == ["hw02", "hw04"]
    with pytest.raises(ValueError, match="hw09"):
        robustness_assignments(schedule, "hw09")


def test_the_nbgrader_sample_keeps_the_deepest_mutant_and_rotates_the_others():
    from datetime import date

    from tests.synthetic import MUTANTS, notebook
    from tests.test_pipeline import nbgrader_sample

    source, weeks = notebook(), range(1, 9)
    samples = [nbgrader_sample(source, MUTANTS, "", date.fromisocalendar(2027, w, 1)) for w in weeks]
    assert all(len({m.name for m in s}) == 3 and s[0].name == "mean_pool_ignores_mask" for s in samples), samples
    assert {m.name for s in samples for m in s} == {m.name for m in MUTANTS}, "every mutant comes round"
    assert nbgrader_sample(source, MUTANTS, "all") == MUTANTS
    assert [m.name for m in nbgrader_sample(source, MUTANTS, "1")] == ["mean_pool_ignores_mask"]
