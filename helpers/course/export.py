"""Grades out of the gradebook as percentages, in a plain CSV or in the layout Canvas's gradebook import reads.

    python -m helpers.course export --to canvas   # reports/canvas_grades.csv
    python -m helpers.course export --to csv      # reports/grades_percent.csv

A percentage is nbgrader's final score of the submission (autograded scores, or the manual score where a TA set
one, plus extra credit, minus the late-submission penalty) over its maximum, times 100, rounded to 2 decimals. A
student with no submission of an assignment gets 0, as in ``nbgrader export``. Submissions whose written answers
are not graded yet are counted with what they have, and listed, so nobody uploads a provisional grade by mistake.

Canvas layout (Canvas's "Import grades" guide, and the CSV its gradebook exports): the columns ``Student``
("Last, First"), ``ID`` (Canvas's user id: the student's ``lms_user_id`` in the gradebook, else empty), ``SIS User
ID``, ``SIS Login ID`` (the nbgrader student id, which Canvas matches against the login), ``Section``, then one
column per assignment; the second row is ``Points Possible``, 100 for every assignment, so each cell is the
percentage. A column whose name Canvas does not know becomes a new assignment on import.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass(frozen=True)
class StudentGrades:
    student_id: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str
    percent: dict[str, float]  # assignment -> percentage of its points (0 when not submitted)


@dataclass(frozen=True)
class Gradesheet:
    assignments: list[str]
    students: list[StudentGrades]
    provisional: list[tuple[str, str]]  # (student, assignment) with written answers still to grade


def percent(score: float, penalty: float, max_score: float) -> float:
    """The final score as a percentage of ``max_score`` (never below 0)."""
    if max_score <= 0:
        raise ValueError("an assignment with no points cannot be exported as a percentage: record its cells first "
                         "(python -m helpers.course register)")
    return round(100 * max(score - penalty, 0.0) / max_score, 2)


def gradesheet(db_url: str) -> Gradesheet:
    """Every student's percentage on every assignment of the gradebook at ``db_url``."""
    with Gradebook(db_url) as gradebook:
        assignments = sorted(gradebook.assignments, key=lambda a: (a.duedate is None, a.duedate, a.name))
        names = [a.name for a in assignments]
        students, provisional = [], []
        for student in sorted(gradebook.students, key=lambda s: ((s.last_name or s.id).lower(), s.id)):
            row = {}
            for assignment in assignments:
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row[assignment.name] = 0.0
                    continue
                row[assignment.name] = percent(submission.score, submission.late_submission_penalty or 0.0,
                                               assignment.max_score)
                if submission.needs_manual_grade:
                    provisional.append((student.id, assignment.name))
            students.append(StudentGrades(student.id, student.first_name or "", student.last_name or "",
                                          student.email or "", student.lms_user_id or "", row))
    return Gradesheet(names, students, provisional)


def write_csv(sheet: Gradesheet, path: Path) -> Path:
    """One row per student: id, names, email, then one percentage column per assignment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "last_name", "first_name", "email", *sheet.assignments])
        for s in sheet.students:
            writer.writerow([s.student_id, s.last_name, s.first_name, s.email,
                             *(f"{s.percent[a]:.2f}" for a in sheet.assignments)])
    return path


def write_canvas(sheet: Gradesheet, path: Path) -> Path:
    """Canvas's gradebook import layout (see the module docstring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_IDENTITY, *sheet.assignments])
        writer.writerow(["Points Possible", "", "", "", "", *("100" for _ in sheet.assignments)])
        for s in sheet.students:
            name = ", ".join(part for part in (s.last_name, s.first_name) if part) or s.student_id
            writer.writerow([name, s.lms_user_id, "", s.student_id, "",
                             *(f"{s.percent[a]:.2f}" for a in sheet.assignments)])
    return path


def summary(sheet: Gradesheet, path: Path) -> str:
    """What was written, and which grades are still provisional."""
    lines = [f"wrote {path}: {len(sheet.students)} students x {len(sheet.assignments)} assignments (percent)"]
    if sheet.provisional:
        lines.append("provisional (written answers not graded yet, counted as they stand):")
        lines += [f"  {student} {assignment}" for student, assignment in sheet.provisional]
    return "\n".join(lines)
