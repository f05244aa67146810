"""The course's command line, on top of real nbgrader: build the student release, grade submissions, read scores.

    python -m helpers.course register  # the schedule (ids, due dates), notebooks and graded cells into ./gradebook.db
    python -m helpers.course release   # regenerate release/ from source/ (commit both)
    python -m helpers.course demo      # release + autograde two sample submissions, print the grade table
    python -m helpers.course grade A   # TAs: check submitted/*/A, autograde them all, write the grading report
    python -m helpers.course grade A --workers 8 --db postgresql://...  # the same, 8 submissions at a time
    python -m helpers.course grade A --scheduler tcp://host:8786        # the same, on a Dask cluster
    python -m helpers.course report A  # TAs: the grading report (table + CSV) after `nbgrader autograde A`
    python -m helpers.course export --to canvas|csv  # percentages per assignment, for the LMS
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from helpers.course import export, report
from helpers.course.batch import grade_all, write_report
from helpers.course.config import GRADEBOOK_ENV, REPO_ROOT, gradebook_url, schedule
from helpers.course.pipeline import demo, register, release_all


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.course", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_register = commands.add_parser("register", help="add every scheduled assignment (due date, notebooks, graded "
                                                        "cells) to the gradebook; release/ is not touched")
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
    run_grade.add_argument("--workers", type=_positive_int, default=1,
                           help="submissions graded at a time, each by its own nbgrader process (default 1: one "
                                "nbgrader run over the batch, as before)")
    run_grade.add_argument("--scheduler", nargs="?", const="local", metavar="ADDRESS",
                           help="grade on a Dask cluster: the scheduler's address (tcp://host:8786), or no address "
                                "for a LocalCluster of --workers processes")
    run_export = commands.add_parser("export", help="percentages per assignment: Canvas's import layout or a plain CSV")
    run_export.add_argument("--to", choices=["canvas", "csv"], default="csv")
    run_export.add_argument("--course-dir", type=Path, default=REPO_ROOT, help="nbgrader course folder (default: .)")
    run_export.add_argument("--output", type=Path, help="default: reports/canvas_grades.csv or reports/grades_percent.csv")
    for command in (run_register, run_grade, run_report, run_export):
        command.add_argument("--db", metavar="URL", help="the gradebook, e.g. postgresql:///nlp (a local database) "
                             f"(default: ${GRADEBOOK_ENV}, else nbgrader_config.py's c.CourseDirectory.db_url)")
    args = parser.parse_args(argv)
    if getattr(args, "db", None):
        os.environ[GRADEBOOK_ENV] = args.db  # nbgrader_config.py reads it, in this process and in every nbgrader run
    if args.command == "register":
        register(REPO_ROOT)
        print(f"registered {', '.join(schedule())} in {gradebook_url(REPO_ROOT)}")
    elif args.command == "release":
        for path in release_all(assignments=args.assignments or None):
            print(f"wrote {path.relative_to(REPO_ROOT)}")
    elif args.command == "grade":
        scheduler = None if args.scheduler in (None, "local") else args.scheduler
        rows = grade_all(args.course_dir, args.assignment, args.force, args.workers, scheduler,
                         use_dask=args.scheduler is not None)
        print(write_report(args.course_dir, args.assignment, rows))
    elif args.command == "export":
        sheet = export.gradesheet(gradebook_url(args.course_dir))
        default = "canvas_grades.csv" if args.to == "canvas" else "grades_percent.csv"
        output = args.output or args.course_dir / "reports" / default
        (export.write_canvas if args.to == "canvas" else export.write_csv)(sheet, output)
        print(export.summary(sheet, output))
    elif args.command == "report":
        print(write_report(args.course_dir, args.assignment, report.build_report(args.course_dir, args.assignment)))
    else:
        print(demo(args.course_dir, args.assignments or None))
    return 0
