"""Grading a batch of submissions and reporting on it, for TAs.

``check_submissions`` looks at every ``submitted/<student>/<assignment>/`` folder before grading:
- a notebook saved under another name (``Copy of hw01.ipynb``, ``hw01 (1).ipynb``) is graded under
  the expected name;
- an empty or unreadable notebook is set aside as ``*.ipynb.invalid``, so that nbgrader records a zero
  instead of stopping on it.

``build_report`` reads the gradebook and every graded notebook's ``nlpcourse_grading`` metadata
(written by helpers/course/plugins.py) and gives one row per student with:
- the score;
- the cells that timed out or crashed;
- the flags for possible tampering;
- the repairs made to the submission.
"""
from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.course.config import CONFIG_NAME, METADATA_KEY, load_config

INVALID_SUFFIX = ".invalid"


@dataclass
class ReportRow:
    """What a TA needs to know about one student's submission of one assignment."""

    student: str
    score: float | None  # autograded points; None if nothing was graded
    max_score: float
    manual_points: float  # points of written answers, still to grade by hand
    timed_out: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # submission problems and repairs

    @property
    def needs_attention(self) -> bool:
        return bool(self.flags or self.crashed or self.score is None)


def expected_notebooks(course_dir: Path, assignment: str) -> list[str]:
    """File names of the assignment's notebooks, from the release (or source) folder."""
    for folder in ("release", "source"):
        names = sorted(p.name for p in (course_dir / folder / assignment).glob("*.ipynb"))
        if names:
            return names
    return [f"{assignment}.ipynb"]


def _readable(path: Path) -> str | None:
    """None if ``path`` is a notebook nbgrader can read, else why not."""
    if path.stat().st_size == 0:
        return "the file is empty (0 bytes)"
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several types for broken JSON and bad versions
        return f"not a readable notebook ({type(error).__name__}: {str(error).splitlines()[0][:160]})"
    if not isinstance(notebook.get("cells"), list):
        return "the notebook has no list of cells"
    return None


def check_submissions(course_dir: Path, assignment: str, fix: bool = True) -> dict[str, list[str]]:
    """Problems with each student's submission folder (student -> messages); with ``fix``, repair
    what can be repaired so that ``nbgrader autograde`` grades every student."""
    expected = expected_notebooks(course_dir, assignment)
    problems: dict[str, list[str]] = {}
    for folder in sorted((course_dir / "submitted").glob(f"*/{assignment}")):
        student, notes = folder.parent.name, []
        present = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
        for name in expected:
            target = folder / name
            set_aside = folder / (name + INVALID_SUFFIX)
            others = [p for p in present if p.name not in expected]
            if not target.exists():
                readable_others = [p for p in others if _readable(p) is None]
                if len(readable_others) == 1 and fix:
                    shutil.copy(readable_others[0], target)
                    notes.append(f"{name} was submitted as '{readable_others[0].name}'; graded under the expected name")
                elif len(readable_others) == 1:
                    notes.append(f"{name} was submitted as '{readable_others[0].name}' (run `grade` to grade it)")
                elif set_aside.exists():
                    notes.append(f"{name} could not be read; it was set aside as {set_aside.name} and scored 0")
                else:
                    found = ", ".join(p.name for p in folder.iterdir()) or "nothing"
                    notes.append(f"{name} is missing (the folder holds: {found}); scored 0")
                continue
            why = _readable(target)
            if why:
                if fix:
                    target.replace(set_aside)
                    notes.append(f"{name}: {why}; set aside as {set_aside.name} and scored 0")
                else:
                    notes.append(f"{name}: {why}")
            elif any(p.name not in expected for p in present):
                extra = ", ".join(p.name for p in present if p.name not in expected)
                notes.append(f"also submitted (not graded): {extra}")
        if notes:
            problems[student] = notes
    return problems


def record_zero_for_missing(course_dir: Path, assignment: str) -> list[str]:
    """Give a zero in the gradebook to every student whose folder still lacks a notebook (nbgrader
    stops on such a folder before recording anything); return their ids."""
    from nbgrader.api import Gradebook

    expected = expected_notebooks(course_dir, assignment)
    students = [folder.parent.name for folder in sorted((course_dir / "submitted").glob(f"*/{assignment}"))
                if not all((folder / name).is_file() for name in expected)]
    config = load_config(course_dir / CONFIG_NAME)["c"]
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)
            submission = gradebook.update_or_create_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
            gradebook.db.commit()
    return students


def _record(course_dir: Path, assignment: str, student: str) -> dict | None:
    records = {}
    for path in sorted((course_dir / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            records[path.stem] = nbformat.read(path, as_version=4).metadata.get(METADATA_KEY, {})
        except Exception:  # a broken graded copy: report it as not graded
            continue
    if not records:
        return None
    merged = {"events": [], "flags": [], "restored": []}
    for record in records.values():
        for key in merged:
            merged[key].extend(record.get(key, []))
    return merged


def build_report(course_dir: Path, assignment: str, problems: dict[str, list[str]] | None = None) -> list[ReportRow]:
    """One row per student who submitted (or is in the gradebook for) ``assignment``."""
    from nbgrader.api import Gradebook, MissingEntry

    problems = check_submissions(course_dir, assignment, fix=False) if problems is None else problems
    config = load_config(course_dir / CONFIG_NAME)["c"]
    students = {p.parent.name for p in (course_dir / "submitted").glob(f"*/{assignment}")}
    rows = []
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        students |= {s.student.id for s in gradebook.find_assignment(assignment).submissions}
        for student in sorted(students):
            row = ReportRow(student, None, 0.0, 0.0, notes=list(problems.get(student, [])))
            record = _record(course_dir, assignment, student)
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                submission = None
            if submission is not None and (record is not None or problems.get(student)):
                auto = [g for nb in submission.notebooks for g in nb.grades if g.cell.cell_type == "code"]
                manual = [g for nb in submission.notebooks for g in nb.grades if g.cell.cell_type != "code"]
                row.score = sum(g.score or 0 for g in auto)
                row.max_score = sum(g.max_score for g in auto)
                row.manual_points = sum(g.max_score for g in manual)
            if record is None and not problems.get(student):
                row.notes.append("not graded: nbgrader failed on this submission (see its log)")
            for event in (record or {}).get("events", []):
                target = row.timed_out if event["kind"] == "timeout" else row.crashed
                target.append(f"{event['cell']}: {event['kind']}")
            row.flags = list(dict.fromkeys((record or {}).get("flags", [])))
            row.notes += (record or {}).get("restored", [])
            rows.append(row)
    return rows


def format_table(rows: list[ReportRow], assignment: str) -> str:
    """A plain-text table: one line per student, details below for those that need a look."""
    lines = [f"grading report: {assignment}",
             f"{'student':<24} {'score':>13} {'by hand':>8} {'timeouts':>9} {'crashes':>8} {'flags':>6}  notes"]
    for row in rows:
        score = "not graded" if row.score is None else f"{row.score:g} / {row.max_score:g}"
        lines.append(f"{row.student:<24} {score:>13} {row.manual_points:>8g} {len(row.timed_out):>9d} "
                     f"{len(row.crashed):>8d} {len(row.flags):>6d}  {len(row.notes)}")
    details = [row for row in rows if row.timed_out or row.crashed or row.flags or row.notes]
    for row in details:
        lines.append(f"\n{row.student}{'  <- needs a look' if row.needs_attention else ''}")
        for label, items in (("timed out", row.timed_out), ("crashed", row.crashed), ("flag", row.flags),
                             ("note", row.notes)):
            lines.extend(f"  {label}: {item}" for item in items)
    return "\n".join(lines)


def write_csv(rows: list[ReportRow], path: Path) -> Path:
    """The report as CSV (lists joined with ' | '), one row per student."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "score", "max_score", "manual_points", "needs_attention",
                         "timed_out", "crashed", "flags", "notes"])
        for row in rows:
            writer.writerow([row.student, "" if row.score is None else f"{row.score:g}", f"{row.max_score:g}",
                             f"{row.manual_points:g}", row.needs_attention, " | ".join(row.timed_out),
                             " | ".join(row.crashed), " | ".join(row.flags), " | ".join(row.notes)])
    return path

