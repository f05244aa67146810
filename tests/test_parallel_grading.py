"""Parallel grading (helpers.course.parallel) with real nbgrader, a real PostgreSQL server and real worker processes.

The server is started by this module (initdb + pg_ctl on 127.0.0.1, trust authentication, a scratch data folder).
Without PostgreSQL's server programs these tests are skipped, unless ``NLPCOURSE_REQUIRE_POSTGRES=1`` (set by
``.ci/run``, which installs them) makes that a failure.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from helpers.course import parallel
from helpers.course import pipeline as course
from helpers.course.config import GRADEBOOK_ENV
from helpers.distributed import free_port
from tests.synthetic import MUTANTS, NAME, make_root

pytestmark = pytest.mark.pipeline


def _server_programs() -> Path | None:
    for folder in [Path(p).parent for p in filter(None, [shutil.which("pg_ctl")])] + sorted(
            (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")), reverse=True):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


class PostgresServer:
    """A PostgreSQL server of its own: ``database(name)`` creates a database and returns its URL."""

    def __init__(self, programs: Path):
        self.programs = programs
        self.folder = Path(tempfile.mkdtemp(prefix="nlpcourse-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root: run it as the `postgres` account
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "grader", "--auth=trust", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-w", "-l", str(self.folder / "server.log"), "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.programs / program), *args], check=True, capture_output=True)

    def database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="grader", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://grader@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.programs / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    programs = _server_programs()
    if programs is None:
        if os.environ.get("NLPCOURSE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL's server programs (initdb, pg_ctl) are missing: apt-get install postgresql")
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    server = PostgresServer(programs)
    yield server
    server.stop()


def submissions(folder: Path) -> dict[str, nbformat.NotebookNode]:
    """The solution and one submission per synthetic mutant (``new_course`` adds the unchanged release as the stub)."""
    root = make_root(folder / "submissions-root")
    solution = nbformat.read(course.notebook_path(root, "source", NAME), as_version=4)
    made = {"solution": solution}
    for mutant in MUTANTS:
        changed = nbformat.from_dict(solution)
        for cell in changed.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == mutant.cell:
                cell.source = cell.source.replace(mutant.find, mutant.replace)
        made[mutant.name] = changed
    return made


def new_course(folder: Path, students: dict[str, nbformat.NotebookNode]) -> Path:
    """A course folder with the synthetic assignment registered (in the gradebook the environment names), its
    release built and every student's notebook submitted; the release itself is the stub's submission."""
    course_dir = course.make_course(folder, root=make_root(folder.parent / f"{folder.name}-root"))
    release = course.generate_release(course_dir, NAME)
    for student, notebook in students.items():
        course.submit(course_dir, NAME, student, notebook)
    course.submit(course_dir, NAME, "stub", release)
    for student, when in SUBMITTED_AT.items():
        if (course_dir / "submitted" / student).is_dir():
            (course_dir / "submitted" / student / NAME / "timestamp.txt").write_text(when)
    return course_dir


#: one submission ten hours after the due date (2027-02-05 23:59 UTC), one in time; the others carry no timestamp
SUBMITTED_AT = {"solution": "2027-02-06 09:59:00.000000 UTC", "cosine_unnormalised": "2027-02-01 12:00:00.000000 UTC"}


def all_grades(course_dir: Path, students) -> dict[str, tuple]:
    """Each student's cell grades, submission time and late penalties, as the gradebook holds them."""
    from nbgrader.api import Gradebook

    grades = {}
    with Gradebook(course.gradebook_url(course_dir)) as gradebook:
        for student in students:
            submission = gradebook.find_submission(NAME, student)
            grades[student] = (course.cell_grades(course_dir, NAME, student), submission.timestamp,
                               [notebook.late_submission_penalty for notebook in submission.notebooks])
    return grades


def grade_rows(db_url: str) -> tuple[int, int]:
    """(grade rows, distinct (notebook, cell) pairs among them) in a PostgreSQL gradebook."""
    import psycopg

    with psycopg.connect(db_url) as connection:
        return connection.execute("SELECT count(*), count(DISTINCT (notebook_id, cell_id)) FROM grade").fetchone()


def run_grade(course_dir: Path, *options: str) -> subprocess.CompletedProcess:
    """``python -m helpers.course grade synthetic`` as a TA runs it."""
    return subprocess.run([sys.executable, "-m", "helpers.course", "grade", NAME, "--course-dir", str(course_dir),
                           *options], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The reference: one plain `nbgrader autograde` over the batch, SQLite gradebook."""
    folder = tmp_path_factory.mktemp("sequential")
    students = submissions(folder)
    course_dir = new_course(folder / "course", students)
    course.autograde(course_dir, NAME)
    return all_grades(course_dir, [*students, "stub"])


def test_two_workers_on_postgresql_grade_cell_for_cell_like_nbgrader(sequential, postgres, tmp_path, monkeypatch):
    url = postgres.database("parallel_course")
    monkeypatch.setenv(GRADEBOOK_ENV, url)
    course_dir = new_course(tmp_path / "course", submissions(tmp_path))
    done = run_grade(course_dir, "--workers", "2", "--db", url)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "graded 6 of 6 submissions" in done.stderr, done.stderr[-3000:]
    assert all_grades(course_dir, sequential) == sequential
    solution, unstable = sequential["solution"][0], sequential["softmax_unstable"][0]
    assert solution["test_softmax"].score == solution["test_softmax"].max_score > 0
    assert unstable["test_softmax"].score == 0  # the reference itself tells the cases apart
    assert sequential["solution"][1] is not None and sequential["stub"][1] is None  # the timestamps were read
    rows, distinct = grade_rows(url)
    assert rows == distinct == 6 * len(solution)
    again = run_grade(course_dir, "--workers", "2", "--db", url)  # nothing left to grade: nothing runs
    assert again.returncode == 0 and parallel.graded_students(course_dir, NAME) == set(sequential)
    assert "submissions not graded before" not in again.stderr, again.stderr[-2000:]


def _nbgrader_workers(parent: psutil.Process) -> list[psutil.Process]:
    workers = []
    for child in parent.children(recursive=True):
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        if "nbgrader" in command and "autograde" in command:
            workers.append(child)
    return workers


def _student_of(worker: psutil.Process) -> str | None:
    try:
        return next((a.split("=", 1)[1] for a in worker.cmdline() if a.startswith("--student=")), None)
    except psutil.Error:
        return None


def test_killed_workers_and_a_lost_machine_lose_no_grade_and_reruns_finish(sequential, postgres, tmp_path, monkeypatch):
    url = postgres.database("fault_course")
    monkeypatch.setenv(GRADEBOOK_ENV, url)
    course_dir = new_course(tmp_path / "course", submissions(tmp_path))
    cells = len(sequential["solution"][0])
    command = [sys.executable, "-m", "helpers.course", "grade", NAME, "--course-dir", str(course_dir), "--workers", "2",
               "--db", url]

    # The machine is lost: the command and all its workers die at once, after two submissions are in.
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(parallel.graded_students(course_dir, NAME)) < 2 and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.2)
    os.killpg(batch.pid, signal.SIGKILL)
    batch.communicate(timeout=60)
    lost = set(sequential) - parallel.graded_students(course_dir, NAME)
    assert 0 < len(lost) <= 4, "the command should have been killed mid-batch"
    assert grade_rows(url)[0] == (6 - len(lost)) * cells  # only whole submissions were written

    # The re-run grades only what is missing; one of its workers is killed mid-submission.
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim, deadline = None, time.monotonic() + 120
    while victim is None and time.monotonic() < deadline and batch.poll() is None:
        victim = next((w for w in _nbgrader_workers(psutil.Process(batch.pid)) if _student_of(w)), None)
        time.sleep(0.2)
    assert victim is not None, "no nbgrader worker was seen running"
    killed = _student_of(victim)
    os.kill(victim.pid, signal.SIGKILL)
    _, stderr = batch.communicate(timeout=600)
    assert batch.returncode == 0, stderr[-3000:]
    assert f"{killed}: nbgrader failed" in stderr, stderr[-3000:]
    assert f"graded {len(lost) - 1} of {len(lost)} submissions" in stderr, stderr[-3000:]
    assert parallel.graded_students(course_dir, NAME) == set(sequential) - {killed}
    assert grade_rows(url)[0] == 5 * cells  # nothing of the killed submission was written

    rerun = run_grade(course_dir, "--workers", "2", "--db", url)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "graded 1 of 1 submissions" in rerun.stderr, rerun.stderr[-3000:]
    assert all_grades(course_dir, sequential) == sequential
    rows, distinct = grade_rows(url)
    assert rows == distinct == 6 * cells


def test_dask_local_cluster_on_sqlite_grades_like_nbgrader(sequential, tmp_path, monkeypatch):
    monkeypatch.delenv(GRADEBOOK_ENV, raising=False)
    course_dir = new_course(tmp_path / "course", submissions(tmp_path))
    done = run_grade(course_dir, "--workers", "2", "--scheduler")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "graded 6 of 6 submissions" in done.stderr, done.stderr[-3000:]
    assert all_grades(course_dir, sequential) == sequential


def test_a_submission_is_written_in_one_transaction(sequential, tmp_path, monkeypatch):
    """A result that breaks off half-way (a cell missing) writes nothing: no student, no submission, no grade."""
    from nbgrader.api import Gradebook, MissingEntry

    monkeypatch.delenv(GRADEBOOK_ENV, raising=False)
    course_dir = new_course(tmp_path / "course", {})
    cells = {grade.grade_id: 0.0 for grade in sequential["solution"][0].values()}
    broken = dict(cells)
    broken.pop("test_mean_pool")
    result = {"student": "halfway", "timestamp": None,
              "notebooks": {NAME: {"late_penalty": None, "grades": broken, "comments": {}}}}
    with pytest.raises(KeyError):
        parallel.write_grades(course_dir, NAME, result)
    with Gradebook(course.gradebook_url(course_dir)) as gradebook:
        with pytest.raises(MissingEntry):
            gradebook.find_student("halfway")
        assert gradebook.find_assignment(NAME).submissions == []
