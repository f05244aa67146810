"""Grade many submissions at once: N nbgrader processes on this machine, or the workers of a Dask cluster.

Each submission is graded by the real pipeline, ``nbgrader autograde ASSIGNMENT --student=S`` with the course's
plug-ins, run in the course folder against a private scratch gradebook: a copy of the assignment's definition
(notebooks, cells, due date) taken from the course gradebook, plus the student's extension. Only this process writes
the course gradebook: when a submission is done, its grades move there in one transaction. Therefore

- the workers never share a database: SQLite is safe with any number of workers (the writes are serialised here), and
  PostgreSQL lets the formgrader and other graders use the gradebook meanwhile;
- a worker killed mid-submission leaves only its scratch files and a partial ``autograded/`` copy: no grade is written,
  and the next run grades that student again;
- a submission counts as graded once the gradebook holds a score for each of its autograded cells and its
  ``autograded/`` folder exists; a re-run grades only the others (or every one, with ``force``).

The Dask path sends the same task to the workers of a cluster (``Client(address)``, or a ``LocalCluster``); the course
folder must be on a filesystem that every worker sees at the same path, as nbgrader expects.
"""
from __future__ import annotations

import datetime
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from helpers.course.config import CONFIG_NAME, CourseError, load_config
from helpers.course.pipeline import log_tail, nbgrader
from helpers.course.report import expected_notebooks

#: the task's result for a submission nbgrader could not grade
FAILED = "error"


def course_settings(course_dir: Path) -> tuple[str, str]:
    """``(db_url, course_id)`` of ``course_dir``'s nbgrader config (``NLPCOURSE_GRADEBOOK_URL`` overrides the URL)."""
    config = load_config(course_dir / CONFIG_NAME)["c"].CourseDirectory
    return config.db_url, config.course_id


def submitted_students(course_dir: Path, assignment: str) -> list[str]:
    """Students with a ``submitted/<student>/<assignment>/`` folder, sorted."""
    return sorted(folder.parent.name for folder in (course_dir / "submitted").glob(f"*/{assignment}") if folder.is_dir())


def graded_students(course_dir: Path, assignment: str) -> set[str]:
    """Students whose submission has a score on every autograded cell and an ``autograded/`` folder."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url, course_id = course_settings(course_dir)
    done = set()
    with Gradebook(db_url, course_id) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return done
        for submission in submissions:
            scores = [g.auto_score for nb in submission.notebooks for g in nb.grades if g.cell.cell_type == "code"]
            if all(score is not None for score in scores) and (
                    course_dir / "autograded" / submission.student.id / assignment).is_dir():
                done.add(submission.student.id)
    return done


def assignment_template(course_dir: Path, assignment: str) -> bytes:
    """A SQLite gradebook, as bytes, holding only ``assignment``'s definition copied from the course gradebook."""
    from nbgrader.api import Gradebook

    db_url, course_id = course_settings(course_dir)
    with tempfile.TemporaryDirectory(prefix="gradebook-template-") as scratch:
        path = Path(scratch) / "gradebook.db"
        with Gradebook(db_url, course_id) as source, Gradebook(f"sqlite:///{path}", course_id) as copy:
            definition = source.find_assignment(assignment)
            copy.update_or_create_assignment(assignment, duedate=definition.duedate)
            for notebook in definition.notebooks:
                copy.update_or_create_notebook(notebook.name, assignment)
                for cell in notebook.grade_cells:
                    copy.update_or_create_grade_cell(cell.name, notebook.name, assignment, max_score=cell.max_score,
                                                     cell_type=cell.cell_type)
                for cell in notebook.solution_cells:
                    copy.update_or_create_solution_cell(cell.name, notebook.name, assignment)
                for cell in notebook.task_cells:
                    copy.update_or_create_task_cell(cell.name, notebook.name, assignment, max_score=cell.max_score,
                                                    cell_type=cell.cell_type)
                for cell in notebook.source_cells:
                    copy.update_or_create_source_cell(cell.name, notebook.name, assignment, cell_type=cell.cell_type,
                                                      locked=cell.locked, source=cell.source, checksum=cell.checksum)
        return path.read_bytes()


def extensions(course_dir: Path, assignment: str) -> dict[str, float]:
    """Each student's extension of ``assignment`` in seconds (students with none are left out)."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url, course_id = course_settings(course_dir)
    with Gradebook(db_url, course_id) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        return {s.student.id: s.extension.total_seconds() for s in submissions if s.extension}


def grade_submission(course_dir: str, assignment: str, student: str, template: bytes, course_id: str,
                     extension_seconds: float | None = None, timeout: float | None = None) -> dict:
    """The worker's task: autograde one submission against a scratch gradebook; return its grades as plain data.

    Runs wherever the worker is (a thread here, or a Dask worker) and writes only inside ``course_dir/autograded/`` and a
    temporary folder. The result is ``{"student", "seconds", "timestamp", "notebooks": {name: {"late_penalty",
    "grades": {cell: auto_score}, "comments": {cell: auto_comment}}}}``, or ``{"student", "seconds", "error": log}``.
    """
    from nbgrader.api import Gradebook

    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix=f"grade-{student}-"))
    try:
        (scratch / "gradebook.db").write_bytes(template)
        db_url = f"sqlite:///{scratch / 'gradebook.db'}"
        with Gradebook(db_url, course_id) as gradebook:
            gradebook.update_or_create_student(student)
            if extension_seconds:
                gradebook.update_or_create_submission(assignment, student,
                                                      extension=datetime.timedelta(seconds=extension_seconds))
        try:
            nbgrader(["autograde", assignment, f"--student={student}", "--force", f"--CourseDirectory.db_url={db_url}"],
                     Path(course_dir), timeout=timeout)
        except CourseError as error:
            return {"student": student, "seconds": time.perf_counter() - started, FAILED: log_tail(str(error))}
        with Gradebook(db_url, course_id) as gradebook:
            submission = gradebook.find_submission(assignment, student)
            notebooks = {
                notebook.name: {
                    "late_penalty": notebook.late_submission_penalty,
                    "grades": {grade.name: grade.auto_score for grade in notebook.grades},
                    "comments": {comment.name: comment.auto_comment for comment in notebook.comments},
                }
                for notebook in submission.notebooks
            }
            timestamp = submission.timestamp.isoformat() if submission.timestamp else None
        return {"student": student, "seconds": time.perf_counter() - started, "timestamp": timestamp,
                "notebooks": notebooks}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_grades(course_dir: Path, assignment: str, result: dict) -> None:
    """Put one submission's grades into the course gradebook in a single transaction (all of them, or none).

    Manual scores and comments already there stay; ``needs_manual_grade`` follows nbgrader's rule.
    """
    from nbgrader.api import (
        Comment, Grade, Gradebook, MissingEntry, Student, SubmittedAssignment, SubmittedNotebook,
    )

    db_url, course_id = course_settings(course_dir)
    student_id = result["student"]
    with Gradebook(db_url, course_id) as gradebook:
        session = gradebook.db
        try:
            student = session.get(Student, student_id)
            if student is None:
                student = Student(id=student_id)
                session.add(student)
            try:
                submission = gradebook.find_submission(assignment, student_id)
            except MissingEntry:  # the same rows as nbgrader's add_submission, without its commit
                definition = gradebook.find_assignment(assignment)
                with session.no_autoflush:  # the new rows are complete only once all of them exist
                    submission = SubmittedAssignment(assignment=definition, student=student)
                    for notebook in definition.notebooks:
                        submitted = SubmittedNotebook(notebook=notebook, assignment=submission)
                        for cell in notebook.grade_cells:
                            Grade(cell_id=cell.id, notebook=submitted)
                        for cell in notebook.solution_cells:
                            Comment(cell_id=cell.id, notebook=submitted)
                        for cell in notebook.task_cells:
                            Comment(cell_id=cell.id, notebook=submitted)
                            Grade(cell_id=cell.id, notebook=submitted)
                session.add(submission)
                session.flush()
            timestamp = result["timestamp"]
            submission.timestamp = datetime.datetime.fromisoformat(timestamp) if timestamp else None
            for notebook in submission.notebooks:
                graded = result["notebooks"][notebook.name]
                notebook.late_submission_penalty = graded["late_penalty"]
                for grade in notebook.grades:
                    grade.auto_score = graded["grades"][grade.name]
                    grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
                for comment in notebook.comments:
                    comment.auto_comment = graded["comments"][comment.name]
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _local_results(tasks: list[dict], workers: int) -> Iterator[dict]:
    """Run the tasks in ``workers`` threads, each driving one nbgrader process at a time; yield results as they end."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader") as pool:
        futures = [pool.submit(grade_submission, **task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


def _dask_results(tasks: list[dict], workers: int, scheduler: str | None) -> Iterator[dict]:
    """Run the tasks on a Dask cluster (``scheduler``'s address, or a ``LocalCluster`` of ``workers`` processes)."""
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError as error:
        raise CourseError("grading through Dask needs the `distributed` package: pip install 'distributed>=2024.1' "
                          "(it is in the instructor extra: pip install -e '.[instructor]')") from error
    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                  dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            futures = [client.submit(grade_submission, **task, key=f"grade-{task['student']}", pure=False)
                       for task in tasks]
            for future in dask_completed(futures):
                try:
                    yield future.result()
                except Exception as error:  # e.g. KilledWorker: the task's workers kept dying; the re-run retries
                    student = next(t["student"] for t, f in zip(tasks, futures) if f is future)
                    yield {"student": student, "seconds": 0.0, FAILED: f"{type(error).__name__}: {error}"}
    finally:
        if cluster is not None:
            cluster.close()


def grade_parallel(course_dir: Path, assignment: str, workers: int = 2, force: bool = False,
                   scheduler: str | None = None, use_dask: bool = False, timeout: float | None = None,
                   progress: bool = True) -> dict[str, dict]:
    """Autograde every submission of ``assignment`` not yet graded (every one with ``force``), ``workers`` at a time.

    Folders that lack a notebook are left to :func:`helpers.course.report.record_zero_for_missing` (a zero).

    ``use_dask`` (or a ``scheduler`` address) sends the tasks to Dask. Each result is written to the gradebook as it
    arrives; a progress bar shows the submissions done and the throughput. Returns the results by student; a failed
    one carries the end of nbgrader's log under ``"error"`` and wrote nothing.
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    expected = expected_notebooks(course_dir, assignment)  # a folder without them gets its zero from the report
    students = [s for s in submitted_students(course_dir, assignment)
                if all((course_dir / "submitted" / s / assignment / name).is_file() for name in expected)]
    if not force:
        done = graded_students(course_dir, assignment)
        students = [s for s in students if s not in done]
    if not students:
        return {}
    _, course_id = course_settings(course_dir)
    template = assignment_template(course_dir, assignment)
    extended = extensions(course_dir, assignment)
    tasks = [dict(course_dir=str(course_dir.resolve()), assignment=assignment, student=student, template=template,
                  course_id=course_id, extension_seconds=extended.get(student), timeout=timeout)
             for student in students]
    from tqdm.auto import tqdm

    stream = _dask_results(tasks, workers, scheduler) if use_dask or scheduler else _local_results(tasks, workers)
    results = {}
    started = time.perf_counter()
    with tqdm(total=len(tasks), desc=f"grading {assignment}", unit="submission", disable=not progress) as bar:
        for result in stream:
            if FAILED not in result:
                write_grades(course_dir, assignment, result)
            results[result["student"]] = result
            bar.update()
            bar.set_postfix(per_minute=f"{60 * len(results) / (time.perf_counter() - started):.1f}",
                            failed=sum(FAILED in r for r in results.values()))
    return results
