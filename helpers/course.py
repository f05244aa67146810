"""Course operations on top of real nbgrader: build the student release, grade submissions, read scores.

    python -m helpers.course register  # the schedule (ids, due dates), notebooks and graded cells into ./gradebook.db
    python -m helpers.course release   # regenerate release/ from source/ (commit both)
    python -m helpers.course demo      # release + autograde two sample submissions, print the grade table
    python -m helpers.course grade A   # TAs: check submitted/*/A, autograde them all, write the grading report
    python -m helpers.course report A  # TAs: the grading report (table + CSV) after `nbgrader autograde A`
    python -m helpers.course export --to canvas|csv  # percentages per assignment, for the LMS (helpers/export.py)

The same functions drive the pipeline tests in tests/test_pipeline.py.
"""
from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_NAME = "nbgrader_config.py"


class CourseError(RuntimeError):
    """An nbgrader step failed; the message carries the end of its log."""


@dataclass(frozen=True)
class CellGrade:
    """The grade of one graded cell of one submission."""

    grade_id: str
    score: float | None
    max_score: float
    autograded: bool  # False for manually graded answers (written questions)


def load_config(path: Path) -> dict:
    """Run an ``nbgrader_config.py`` as nbgrader does (``get_config`` injected); return its namespace.

    The file sets environment variables for the grading kernel; they do not leak into this process.
    """
    from traitlets.config import Config

    with mock.patch.dict(os.environ):
        return runpy.run_path(str(path), init_globals={"get_config": Config})


def schedule(root: Path = REPO_ROOT) -> dict[str, str]:
    """The ``ASSIGNMENTS`` dict (assignment id -> due date) of ``root/nbgrader_config.py``."""
    return dict(load_config(root / CONFIG_NAME)["ASSIGNMENTS"])


def notebook_path(root: Path, folder: str, assignment: str) -> Path:
    """``root/folder/assignment/assignment.ipynb`` (every assignment is one notebook)."""
    return root / folder / assignment / f"{assignment}.ipynb"


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


def gradebook_url(course_dir: Path) -> str:
    return load_config(course_dir / CONFIG_NAME)["c"].CourseDirectory.db_url


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


def grade_all(course_dir: Path, assignment: str, force: bool = False) -> list:
    """Check every ``submitted/*/assignment`` folder, autograde the batch, return the report rows.

    One bad submission never stops the batch: nbgrader goes on after a failure, and the report names
    every student it could not grade.
    """
    from helpers import report

    problems = report.check_submissions(course_dir, assignment, fix=True)
    if not has_cells(course_dir, assignment):  # `register` was skipped, or ran before this assignment existed
        print(f"recording {assignment}'s notebooks and graded cells in the gradebook first", file=sys.stderr)
        register(course_dir, [assignment])
    try:
        nbgrader(["autograde", assignment] + (["--force"] if force else []), course_dir, timeout=None)
    except CourseError as error:  # some submissions failed; the others are graded: show why
        print(log_tail(str(error)), file=sys.stderr)
    report.record_zero_for_missing(course_dir, assignment)
    return report.build_report(course_dir, assignment, problems)


def log_tail(log: str, lines: int = 40) -> str:
    """The first line of a failed nbgrader step and the last ``lines`` of its log (where nbgrader says why)."""
    text = log.splitlines()
    return "\n".join(text[:1] + (["  ..."] if len(text) > lines + 1 else []) + text[1:][-lines:])


def write_report(course_dir: Path, assignment: str, rows: list) -> str:
    """Write ``reports/<assignment>.csv`` in the course folder; return the table (and the CSV's path)."""
    from helpers import report

    path = report.write_csv(rows, course_dir / "reports" / f"{assignment}.csv")
    return f"{report.format_table(rows, assignment)}\n\nCSV: {path}"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.course", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("register", help="add every scheduled assignment (due date, notebooks, graded cells) to "
                                         "./gradebook.db; release/ is not touched")
    run_release = commands.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment")
    run_release.add_argument("assignments", nargs="*", help="assignment ids (default: all in the schedule)")
    run_demo = commands.add_parser("demo", help="build the release and autograde two sample submissions")
    run_demo.add_argument("--course-dir", type=Path, default=REPO_ROOT / "course_demo",
                          help="scratch nbgrader course folder (default: ./course_demo, recreated)")
    run_demo.add_argument("assignments", nargs="*", help="assignment ids (default: all in the schedule)")
    run_grade = commands.add_parser("grade", help="check submitted/*/ASSIGNMENT, autograde all, write the report")
    run_report = commands.add_parser("report", help="the grading report (table + reports/ASSIGNMENT.csv)")
    for command in (run_grade, run_report):
        command.add_argument("assignment")
        command.add_argument("--course-dir", type=Path, default=REPO_ROOT, help="nbgrader course folder (default: .)")
    run_grade.add_argument("--force", action="store_true", help="regrade students already autograded")
    run_export = commands.add_parser("export", help="percentages per assignment: Canvas's import layout or a plain CSV")
    run_export.add_argument("--to", choices=["canvas", "csv"], default="csv")
    run_export.add_argument("--course-dir", type=Path, default=REPO_ROOT, help="nbgrader course folder (default: .)")
    run_export.add_argument("--output", type=Path, help="default: reports/canvas_grades.csv or reports/grades_percent.csv")
    args = parser.parse_args(argv)
    if args.command == "register":
        register(REPO_ROOT)
        print(f"registered {', '.join(schedule())} in {REPO_ROOT / 'gradebook.db'}")
    elif args.command == "release":
        for path in release_all(assignments=args.assignments or None):
            print(f"wrote {path.relative_to(REPO_ROOT)}")
    elif args.command == "grade":
        print(write_report(args.course_dir, args.assignment, grade_all(args.course_dir, args.assignment, args.force)))
    elif args.command == "export":
        from helpers import export

        sheet = export.gradesheet(gradebook_url(args.course_dir))
        default = "canvas_grades.csv" if args.to == "canvas" else "grades_percent.csv"
        output = args.output or args.course_dir / "reports" / default
        (export.write_canvas if args.to == "canvas" else export.write_csv)(sheet, output)
        print(export.summary(sheet, output))
    elif args.command == "report":
        from helpers import report

        print(write_report(args.course_dir, args.assignment, report.build_report(args.course_dir, args.assignment)))
    else:
        print(demo(args.course_dir, args.assignments or None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
