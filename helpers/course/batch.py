"""A TA's batch: check the submission folders, autograde them (one nbgrader run, or in parallel), report."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from helpers.course import parallel, report
from helpers.course.config import CourseError
from helpers.course.pipeline import has_cells, log_tail, nbgrader, register


def grade_all(course_dir: Path, assignment: str, force: bool = False, workers: int = 1, scheduler: str | None = None,
              use_dask: bool = False, progress: bool = True) -> list[report.ReportRow]:
    """Check every ``submitted/*/assignment`` folder, autograde the batch, return the report rows.

    With one worker (the default) this is one ``nbgrader autograde`` run over the batch; with more, or through Dask,
    :func:`helpers.course.parallel.grade_parallel`. One bad submission never stops the batch: the report names every
    student who could not be graded.
    """
    problems = report.check_submissions(course_dir, assignment, fix=True)
    if not has_cells(course_dir, assignment):  # `register` was skipped, or ran before this assignment existed
        print(f"recording {assignment}'s notebooks and graded cells in the gradebook first", file=sys.stderr)
        register(course_dir, [assignment])
    if workers == 1 and not (use_dask or scheduler):
        try:
            nbgrader(["autograde", assignment] + (["--force"] if force else []), course_dir, timeout=None)
        except CourseError as error:  # some submissions failed; the others are graded: show why
            print(log_tail(str(error)), file=sys.stderr)
    else:
        started = time.perf_counter()
        results = parallel.grade_parallel(course_dir, assignment, workers, force, scheduler, use_dask,
                                          progress=progress)
        failed = {student: result for student, result in results.items() if parallel.FAILED in result}
        for student, result in failed.items():
            print(f"{student}: nbgrader failed\n{result[parallel.FAILED]}", file=sys.stderr)
            problems.setdefault(student, []).append("not graded: nbgrader failed on this submission (its log is "
                                                    "above); `grade` again retries it")
        seconds = time.perf_counter() - started
        if results:
            print(f"graded {len(results) - len(failed)} of {len(results)} submissions not graded before, in "
                  f"{seconds:.0f} s with {workers} worker{'s' if workers > 1 else ''}", file=sys.stderr)
        else:
            print("nothing to grade: every submission is graded already (--force grades them again)", file=sys.stderr)
    report.record_zero_for_missing(course_dir, assignment)
    return report.build_report(course_dir, assignment, problems)


def write_report(course_dir: Path, assignment: str, rows: list[report.ReportRow]) -> str:
    """Write ``reports/<assignment>.csv`` in the course folder; return the table (and the CSV's path)."""
    path = report.write_csv(rows, course_dir / "reports" / f"{assignment}.csv")
    return f"{report.format_table(rows, assignment)}\n\nCSV: {path}"
