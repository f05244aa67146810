"""Benchmark: throughput of parallel grading (helpers/course/parallel.py) against one plain `nbgrader autograde` run.

One course folder, one real assignment, N copies of its reference solution submitted by N students (each a full run of
the notebook). Every configuration grades all of them (``--force``) and must give every student full marks:

1. ``nbgrader autograde ASSIGNMENT`` over the batch, one process (the command's default, ``--workers 1``);
2. ``grade_parallel`` with 1 worker: one nbgrader process per submission, grades moved into the gradebook by this process;
3. the same with 2 workers (the ratio to 2. is the speed-up; the target on 2 cores is 1.7 or more);
4. Dask: a ``LocalCluster`` of 2 worker processes running the same tasks (its overhead against 3.).

Not a pytest test (25 minutes on 2 cores with 12 submissions of hw08; `--only parallel,` skips the slowest two):

    NLPCOURSE_DATA_MIRRORS=../shared/data python tests/benchmarks/parallel_grading.py [ASSIGNMENT] [--submissions 12]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from helpers.course import parallel
from helpers.course import pipeline as course


def batch_scores(course_dir: Path, assignment: str, students: list[str]) -> dict[str, float]:
    """Each student's autograded points."""
    return {student: sum(g.score or 0 for g in course.cell_grades(course_dir, assignment, student).values()
                         if g.autograded) for student in students}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", default="hw08_finetuning_and_distributed")
    parser.add_argument("--submissions", type=int, default=12)
    parser.add_argument("--only", nargs="*", metavar="NAME", help="run only the configurations whose name holds one of "
                        "these words (e.g. --only workers)")
    args = parser.parse_args()
    os.environ.pop("NLPCOURSE_GRADEBOOK_URL", None)  # the course folder's own SQLite gradebook
    with tempfile.TemporaryDirectory(prefix="parallel-benchmark-") as scratch:
        course_dir = course.make_course(Path(scratch) / "course", [args.assignment])
        course.generate_release(course_dir, args.assignment)
        solution = course.notebook_path(course.REPO_ROOT, "source", args.assignment)
        students = [f"student{i:03d}" for i in range(args.submissions)]
        for student in students:
            course.submit(course_dir, args.assignment, student, solution)
        full = None
        runs = {}
        configurations = [
            ("nbgrader autograde, one process", lambda: course.autograde(course_dir, args.assignment, timeout=None)),
            ("parallel, 1 worker", lambda: parallel.grade_parallel(course_dir, args.assignment, 1, force=True,
                                                                   progress=False)),
            ("parallel, 2 workers", lambda: parallel.grade_parallel(course_dir, args.assignment, 2, force=True,
                                                                    progress=False)),
            ("Dask LocalCluster, 2 workers", lambda: parallel.grade_parallel(course_dir, args.assignment, 2, force=True,
                                                                             use_dask=True, progress=False)),
        ]
        if args.only:
            configurations = [(n, r) for n, r in configurations if any(word in n for word in args.only)]
        for name, run in configurations:
            started = time.perf_counter()
            results = run()
            seconds = time.perf_counter() - started
            failed = [s for s, r in results.items() if parallel.FAILED in r] if isinstance(results, dict) else []
            scores = batch_scores(course_dir, args.assignment, students)
            full = full or max(scores.values())
            assert not failed and set(scores.values()) == {full}, (name, failed, scores)
            runs[name] = seconds
            print(f"{name:<34} {seconds:7.1f} s  {60 * len(students) / seconds:6.2f} submissions/min", flush=True)
    print(f"\n{args.submissions} submissions of {args.assignment}, each {full:g} points; {os.cpu_count()} cores")
    two = runs.get("parallel, 2 workers")
    for name, label in [("parallel, 1 worker", "speed-up of 2 workers over 1"),
                        ("nbgrader autograde, one process", "speed-up of 2 workers over one nbgrader process")]:
        if two and name in runs:
            print(f"{label}: {runs[name] / two:.2f}x")
    if two and "Dask LocalCluster, 2 workers" in runs:
        print(f"Dask LocalCluster against plain worker threads: {runs['Dask LocalCluster, 2 workers'] / two - 1:+.1%}")


if __name__ == "__main__":
    main()
