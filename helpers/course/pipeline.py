"""The course's nbgrader steps, each a real ``nbgrader`` run: make a course folder, record the graded cells,
build the release, place and autograde submissions, read the grades back.

The command line (``python -m helpers.course``, helpers/course/cli.py) and the pipeline tests drive these.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.course.config import (  # noqa: F401  (the course's names, for callers of this module)
    CONFIG_NAME, REPO_ROOT, CourseError, gradebook_url, load_config, notebook_path, schedule,
)


@dataclass(frozen=True)
class CellGrade:
    """The grade of one graded cell of one submission."""

    grade_id: str
    score: float | None
    max_score: float
    autograded: bool  # False for manually graded answers (written questions)


def nbgrader(args: list[str], course_dir: Path, timeout: float | None = 900) -> str:
    """Run ``nbgrader ARGS`` in ``course_dir``; return its log, raise CourseError if it fails."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # nbgrader runs notebooks from deep inside the course folder: make data paths absolute first.
    for name in ("NLPCOURSE_DATA_MIRRORS", "NLPCOURSE_CACHE"):
        if env.get(name):
            env[name] = os.pathsep.join(str(Path(p).expanduser().resolve()) for p in env[name].split(os.pathsep) if p)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env,
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise CourseError(f"nbgrader {' '.join(args)} did not finish within {timeout} s") from error
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise CourseError(f"nbgrader {' '.join(args)} failed (exit {done.returncode}):\n{log[-4000:]}")
    return log


def make_course(course_dir: Path, assignments: list[str] | None = None, root: Path = REPO_ROOT) -> Path:
    """A fresh nbgrader course folder holding the config and the source of ``assignments`` (default: all)."""
    assignments = list(schedule(root)) if assignments is None else assignments
    course_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / CONFIG_NAME, course_dir / CONFIG_NAME)
    for assignment in assignments:
        source = root / "source" / assignment
        if not source.is_dir():
            raise CourseError(f"no folder source/{assignment}: add it or remove it from ASSIGNMENTS in {CONFIG_NAME}")
        shutil.copytree(source, course_dir / "source" / assignment, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    register(course_dir, assignments, cells=False)  # generate_release records the cells there
    return course_dir


def register(course_dir: Path, assignments: list[str] | None = None, cells: bool = True) -> None:
    """Add the scheduled assignments (with due dates) to ``course_dir``'s gradebook and, with ``cells``,
    their notebooks and graded cells (what ``nbgrader autograde`` needs); ``release/`` is not touched."""
    dates = schedule(course_dir)
    for assignment in dates if assignments is None else assignments:
        nbgrader(["db", "assignment", "add", assignment, f"--duedate={dates[assignment]}"], course_dir)
        if cells:
            record_cells(course_dir, assignment)


def record_cells(course_dir: Path, assignment: str) -> None:
    """Put ``assignment``'s notebooks and graded cells into ``course_dir``'s gradebook, as
    ``nbgrader generate_assignment`` does, but in a scratch copy: the committed ``release/`` stays as it is.
    Safe to repeat; once students are graded, nbgrader refuses to add or remove graded cells."""
    source = course_dir / "source" / assignment
    if not source.is_dir():
        raise CourseError(f"no folder source/{assignment} in {course_dir}: nothing to record")
    with tempfile.TemporaryDirectory(prefix="course-cells-") as scratch:
        shutil.copy(course_dir / CONFIG_NAME, Path(scratch) / CONFIG_NAME)
        shutil.copytree(source, Path(scratch) / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        nbgrader(["generate_assignment", assignment, "--force", f"--CourseDirectory.db_url={gradebook_url(course_dir)}"],
                 Path(scratch))


def has_cells(course_dir: Path, assignment: str) -> bool:
    """True if ``course_dir``'s gradebook knows ``assignment``'s notebooks (``record_cells`` has run)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(gradebook_url(course_dir)) as gradebook:
        try:
            return bool(gradebook.find_assignment(assignment).notebooks)
        except MissingEntry:
            return False


def generate_release(course_dir: Path, assignment: str) -> Path:
    """``nbgrader generate_assignment`` (which also clears outputs): the student notebook's path."""
    nbgrader(["generate_assignment", assignment, "--force"], course_dir)
    return notebook_path(course_dir, "release", assignment)


def submit(course_dir: Path, assignment: str, student: str, notebook: Path | nbformat.NotebookNode) -> Path:
    """Place a notebook where ``nbgrader collect`` would: ``submitted/STUDENT/ASSIGNMENT/``."""
    target = course_dir / "submitted" / student / assignment
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{assignment}.ipynb"
    if isinstance(notebook, Path):
        shutil.copy(notebook, path)
    else:
        nbformat.write(notebook, path)
    return path


def autograde(course_dir: Path, assignment: str, student: str | None = None, timeout: float = 900,
              options: Sequence[str] = ()) -> float:
    """``nbgrader autograde`` one student (or all), with extra command-line ``options``; returns the wall seconds."""
    args = ["autograde", assignment, "--force"] + ([f"--student={student}"] if student else []) + list(options)
    start = time.perf_counter()
    nbgrader(args, course_dir, timeout=timeout)
    return time.perf_counter() - start


def cell_grades(course_dir: Path, assignment: str, student: str) -> dict[str, CellGrade]:
    """Every graded cell's score for one submission, read from the gradebook."""
    from nbgrader.api import Gradebook

    config = load_config(course_dir / CONFIG_NAME)["c"]
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        grades = {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grades[grade.name] = CellGrade(
                    grade_id=grade.name,
                    score=grade.score,
                    max_score=grade.max_score,
                    autograded=grade.cell.cell_type == "code",
                )
        return grades


def release_all(root: Path = REPO_ROOT, assignments: list[str] | None = None) -> list[Path]:
    """Regenerate ``root/release/`` from ``root/source/`` for ``assignments`` (default: every scheduled one)."""
    written = []
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        course_dir = make_course(Path(scratch), assignments, root=root)
        for assignment in assignments or schedule(root):
            built = generate_release(course_dir, assignment)
            target = notebook_path(root, "release", assignment)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(built, target)
            written.append(target)
    return written


def grade_table(rows: list[tuple[str, str, dict[str, CellGrade]]]) -> str:
    """A plain-text table: one line per (student, assignment) with autograded and manual points."""
    lines = [f"{'student':<16} {'assignment':<28} {'autograded':>12} {'to grade by hand':>17} {'cells at 0':>11}"]
    for student, assignment, grades in rows:
        auto = [g for g in grades.values() if g.autograded]
        manual = [g for g in grades.values() if not g.autograded]
        got = sum(g.score or 0 for g in auto)
        zero = sum(1 for g in auto if not g.score)
        lines.append(
            f"{student:<16} {assignment:<28} {got:>5g} / {sum(g.max_score for g in auto):<4g} "
            f"{sum(g.max_score for g in manual):>13g} pts {zero:>6d}/{len(auto)}"
        )
    return "\n".join(lines)


def log_tail(log: str, lines: int = 40) -> str:
    """The first line of a failed nbgrader step and the last ``lines`` of its log (where nbgrader says why)."""
    text = log.splitlines()
    return "\n".join(text[:1] + (["  ..."] if len(text) > lines + 1 else []) + text[1:][-lines:])


def demo(course_dir: Path, assignments: list[str] | None = None) -> str:
    """Build the release and autograde two sample submissions per assignment; return the grade table."""
    if course_dir.exists():
        shutil.rmtree(course_dir)
    assignments = list(schedule()) if assignments is None else assignments
    make_course(course_dir, assignments)
    rows = []
    for assignment in assignments:
        release = generate_release(course_dir, assignment)
        print(f"[{assignment}] release built: {release.relative_to(course_dir)}", flush=True)
        samples = {"solution": notebook_path(REPO_ROOT, "source", assignment), "stub": release}
        for student, notebook in samples.items():
            submit(course_dir, assignment, student, notebook)
            seconds = autograde(course_dir, assignment, student)
            print(f"[{assignment}] autograded '{student}' in {seconds:.1f} s", flush=True)
            rows.append((student, assignment, cell_grades(course_dir, assignment, student)))
    return grade_table(rows)

