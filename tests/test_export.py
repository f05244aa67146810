"""helpers.course.export: percentages from a real nbgrader gradebook, as a plain CSV and in Canvas's import layout."""
from __future__ import annotations

import csv
from datetime import datetime

import pytest
from nbgrader.api import Gradebook

from helpers.course import cli, export
from helpers.course import pipeline as course

# nbgrader's own Gradebook.add_submission trips SQLAlchemy 2's autoflush warning; the rows are written all the same
pytestmark = pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")


@pytest.fixture()
def course_dir(tmp_path):
    """A gradebook with two assignments (10 and 5 points) and three students, written through nbgrader's API."""
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    (tmp_path / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.db_url = {db_url!r}\n")
    with Gradebook(db_url) as gb:
        for name, due, cells in (("hw01_a", datetime(2026, 1, 9), {"test_f": 8, "q1": 2}),
                                 ("hw02_b", datetime(2026, 1, 16), {"test_g": 5})):
            gb.add_assignment(name, duedate=due)
            gb.add_notebook(name, name)
            for cell, points in cells.items():
                gb.add_grade_cell(cell, name, name, max_score=points,
                                  cell_type="markdown" if cell.startswith("q") else "code")
        gb.add_student("ann", first_name="Ann", last_name="Lee", email="ann@example.edu", lms_user_id="1001")
        gb.add_student("bob")
        gb.add_student("cid", first_name="Cid", last_name="Abe")
        # as autograde leaves them (code cells scored, written answers waiting), then a TA's manual score
        for assignment, cell, student, score in (("hw01_a", "test_f", "ann", 6), ("hw02_b", "test_g", "ann", 5),
                                                  ("hw01_a", "test_f", "bob", 8)):  # bob's written answer waits
            gb.add_submission(assignment, student)
            grade = gb.find_grade(cell, assignment, assignment, student)
            grade.auto_score, grade.needs_manual_grade = score, False
        written = gb.find_grade("q1", "hw01_a", "hw01_a", "ann")
        written.manual_score, written.needs_manual_grade = 2, False
        gb.find_submission_notebook("hw01_a", "hw01_a", "ann").late_submission_penalty = 1.0
        gb.db.commit()
    return tmp_path


def test_percentages_count_manual_scores_and_late_penalties(course_dir):
    sheet = export.gradesheet(course.gradebook_url(course_dir))
    assert sheet.assignments == ["hw01_a", "hw02_b"]
    by_id = {s.student_id: s.percent for s in sheet.students}
    assert by_id == {"ann": {"hw01_a": 70.0, "hw02_b": 100.0},  # (6 + 2 - 1) / 10
                     "bob": {"hw01_a": 80.0, "hw02_b": 0.0},  # no submission of hw02_b
                     "cid": {"hw01_a": 0.0, "hw02_b": 0.0}}
    assert sheet.provisional == [("bob", "hw01_a")]


def test_canvas_layout_from_the_command_line(course_dir, capsys):
    assert cli.main(["export", "--to", "canvas", "--course-dir", str(course_dir)]) == 0
    printed = capsys.readouterr().out
    assert "3 students x 2 assignments" in printed and "bob hw01_a" in printed  # provisional grades are named
    rows = list(csv.reader(open(course_dir / "reports" / "canvas_grades.csv")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw01_a", "hw02_b"]
    assert rows[1] == ["Points Possible", "", "", "", "", "100", "100"]
    assert rows[2:] == [["Abe, Cid", "", "", "cid", "", "0.00", "0.00"],
                        ["bob", "", "", "bob", "", "80.00", "0.00"],
                        ["Lee, Ann", "1001", "", "ann", "", "70.00", "100.00"]]


def test_plain_csv(course_dir):
    path = export.write_csv(export.gradesheet(course.gradebook_url(course_dir)), course_dir / "out.csv")
    rows = list(csv.DictReader(open(path)))
    assert [(r["student_id"], r["last_name"], r["hw01_a"], r["hw02_b"]) for r in rows] == [
        ("cid", "Abe", "0.00", "0.00"), ("bob", "", "80.00", "0.00"), ("ann", "Lee", "70.00", "100.00")]


def test_a_penalty_never_makes_a_grade_negative_and_an_empty_assignment_is_refused():
    assert export.percent(1.0, 3.0, 10.0) == 0.0
    with pytest.raises(ValueError, match="register"):
        export.percent(0.0, 0.0, 0.0)
