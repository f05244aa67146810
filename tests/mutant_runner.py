"""Every mutant of one assignment judged in one warm Python process: the fast path of the mutant tests.

What decides a mutant is whether the test cell named in its ``catches`` fails when the mutant's edit is
in its solution cell. ``nbgrader autograde`` of the spliced notebook answers that by running every cell
from the top in a fresh kernel. This runner gets the same answer for all mutants at once:

- one IPython shell runs the source notebook top to bottom, as the grading kernel does
  (``NBGRADER_EXECUTION=autograde``, the integrity guard after every cell, the notebook's folder as the
  working directory); the score of each test cell in that run is the *control*;
- just before it runs a solution cell that has mutants, it forks once per mutant. The child, a copy of
  the kernel's state at that point, runs the mutated cell and every code cell up to the catching test,
  reports the scores of the test cells it ran, and exits. The parent goes on with the unmutated cell.

Each cell has nbgrader's per-cell timeout (an alarm raises KeyboardInterrupt, as nbgrader's interrupt
does). A test cell scores as nbgrader's ``determine_grade`` scores it: 0 on an error, a number shown as
the cell's result is partial credit, anything else full marks. ``tests/test_pipeline.py`` grades a sample
of mutants through real nbgrader as well and fails if the two paths give any test cell different scores.

    python -m tests.mutant_runner hw04_language_models            # all its mutants, as a table
    python -m tests.mutant_runner hw04_language_models --json out.json
"""
from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from tests.mutants import Mutant, mutants_for
from tests.submissions import grade_id, is_test, meta

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT_S = 300  # nbgrader_config.py: c.Execute.timeout
MEMORY_LIMIT_GB = 8  # nbgrader_config.py: c.GuardedExecute.memory_limit_gb


@dataclass
class Outcome:
    """A test cell's score in one run."""

    score: float
    max_score: float
    error: str = ""  # "ExceptionType: message" of the failure


@dataclass
class MutantRun:
    """What one mutant's child process saw: the scores of the test cells it ran, or why it has none."""

    cells: dict[str, Outcome] = field(default_factory=dict)
    error: str = ""  # the child crashed, timed out, or the mutant did not apply
    seconds: float = 0.0


@dataclass
class Report:
    assignment: str
    control: dict[str, Outcome] = field(default_factory=dict)  # test cell -> its score without mutation
    mutants: dict[str, MutantRun] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Report":
        raw = json.loads(text)
        runs = {name: MutantRun({k: Outcome(**v) for k, v in run["cells"].items()}, run["error"], run["seconds"])
                for name, run in raw["mutants"].items()}
        return cls(raw["assignment"], {k: Outcome(**v) for k, v in raw["control"].items()}, runs, raw["seconds"])

    def scores_with(self, mutant: Mutant, cells_up_to_catch: list[str]) -> dict[str, float]:
        """The score this path gives each of ``cells_up_to_catch`` (test cells, in order) for ``mutant``:
        the child's where the child ran the cell, the control's for the cells before the mutated one."""
        run = self.mutants[mutant.name]
        return {cell: (run.cells[cell] if cell in run.cells else self.control[cell]).score for cell in cells_up_to_catch}


class CellTimeout(KeyboardInterrupt):
    """Raised in the running cell when it passes the per-cell timeout (nbgrader interrupts it the same way)."""


def _on_alarm(signum, frame):
    raise CellTimeout(f"the cell ran past the {CELL_TIMEOUT_S} s timeout")


def run_cell(shell, cell) -> Outcome:
    """Run one code cell in ``shell``; the score nbgrader would give it if it is a test cell."""
    from helpers.course import integrity

    signal.alarm(CELL_TIMEOUT_S)
    try:
        result = shell.run_cell(cell.source, store_history=False, silent=False)
    finally:
        signal.alarm(0)
    for problem in integrity.after_cell():  # puts back what student code replaced, as GuardedExecute does
        print(f"integrity: {problem}", file=sys.stderr)
    error = result.error_before_exec or result.error_in_exec
    max_score = float(meta(cell).get("points", 0))
    if error is not None:
        return Outcome(0.0, max_score, f"{type(error).__name__}: {error}"[:2000])
    try:  # nbgrader: a single result that reads as a number is partial credit
        partial = float(repr(result.result)) if result.result is not None else None
    except ValueError:
        partial = None
    return Outcome(max_score if partial is None else partial, max_score)


def mutated_cell(cell, mutant: Mutant):
    """A copy of solution ``cell`` with the mutant's edit (its ``find`` text must occur exactly once)."""
    found = cell.source.count(mutant.find)
    if found != 1:
        raise ValueError(f"mutant {mutant.name}: its `find` text occurs {found} times in cell {mutant.cell!r}; "
                         "update tests/mutants after changing the solution")
    changed = nbformat.from_dict(dict(cell))
    changed.source = cell.source.replace(mutant.find, mutant.replace)
    return changed


def _limit_threads_after_fork() -> None:
    """A forked child must not use the OpenMP thread pool it inherited (libgomp's workers are not copied and
    the child would wait for them forever): one thread, in torch and in every OpenMP or BLAS library loaded."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _run_child(shell, cells: list, start: int, mutant: Mutant, catches: int) -> MutantRun:
    run = MutantRun()
    for index in range(start, catches + 1):
        cell = mutated_cell(cells[start], mutant) if index == start else cells[index]
        if cell.cell_type == "code" and cell.source.strip():
            outcome = run_cell(shell, cell)
            if is_test(cell):
                run.cells[grade_id(cell)] = outcome
    return run


def judge_mutant(shell, cells: list, start: int, mutant: Mutant, catches: int, timeout: float) -> MutantRun:
    """Fork; the child runs ``cells[start]`` with the mutation and the code cells up to ``catches``."""
    try:
        mutated_cell(cells[start], mutant)
    except ValueError as error:
        return MutantRun(error=str(error))
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as handle:
        result_path = Path(handle.name)
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # the child's collections skip the inherited objects (and leave their pages shared)
    pid = os.fork()
    if pid == 0:  # the child: never returns
        run = MutantRun(error="the mutated run raised inside the runner")
        try:
            _limit_threads_after_fork()
            run = _run_child(shell, cells, start, mutant, catches)
        finally:
            result_path.write_text(json.dumps(asdict(run)))
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
    gc.unfreeze()
    started = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            result_path.unlink(missing_ok=True)
            return MutantRun(error=f"the mutated run did not finish within {timeout:.0f} s",
                             seconds=time.monotonic() - started)
        time.sleep(0.02)
    text = result_path.read_text()
    result_path.unlink(missing_ok=True)
    if not text:
        return MutantRun(error=f"the mutated run crashed (wait status {status}) before reporting",
                         seconds=time.monotonic() - started)
    raw = json.loads(text)
    return MutantRun({k: Outcome(**v) for k, v in raw["cells"].items()}, raw["error"], time.monotonic() - started)


def judge(assignment: str, mutants: list[Mutant] | None = None, root: Path = ROOT) -> Report:
    """Run the source notebook of ``assignment`` once, forking a child per mutant (see the module docstring)."""
    from IPython.core.interactiveshell import InteractiveShell

    from helpers.course import integrity

    if not hasattr(os, "fork"):
        raise RuntimeError("the mutant runner forks a child per mutant: run the tests on Linux or macOS (or WSL)")
    started = time.perf_counter()
    mutants = mutants_for(assignment) if mutants is None else mutants
    source = root / "source" / assignment / f"{assignment}.ipynb"
    cells = nbformat.read(source, as_version=4).cells
    index_of = {grade_id(c): i for i, c in enumerate(cells) if grade_id(c)}
    by_cell: dict[int, list[Mutant]] = {}
    for mutant in mutants:
        by_cell.setdefault(index_of[mutant.cell], []).append(mutant)
    report = Report(assignment)

    workdir = Path(tempfile.mkdtemp(prefix=f"mutants-{assignment}-"))  # as nbgrader's autograded/<student>/<a>/
    shutil.copytree(source.parent, workdir, dirs_exist_ok=True)
    os.chdir(workdir)
    signal.signal(signal.SIGALRM, _on_alarm)
    shell = InteractiveShell.instance()
    integrity.start(MEMORY_LIMIT_GB)
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        for mutant in by_cell.get(index, []):
            catches = index_of[mutant.catches]
            budget = CELL_TIMEOUT_S * sum(c.cell_type == "code" for c in cells[index:catches + 1]) + 30
            report.mutants[mutant.name] = judge_mutant(shell, cells, index, mutant, catches, budget)
        outcome = run_cell(shell, cell)
        if is_test(cell):
            report.control[grade_id(cell)] = outcome
    report.seconds = time.perf_counter() - started
    os.chdir(root)
    shutil.rmtree(workdir, ignore_errors=True)
    return report


def grading_environment() -> dict[str, str]:
    """The environment nbgrader's kernel gets: this one, with what nbgrader_config.py and autograde set."""
    env = dict(os.environ, NBGRADER_EXECUTION="autograde", PYTHONUNBUFFERED="1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for name in ("NLPCOURSE_DATA_MIRRORS", "NLPCOURSE_CACHE"):  # the notebook runs in its own folder
        if env.get(name):
            env[name] = os.pathsep.join(str(Path(p).expanduser().resolve()) for p in env[name].split(os.pathsep) if p)
    return env


def judge_in_subprocess(assignment: str, log: Path, root: Path = ROOT, mutants: list[Mutant] | None = None,
                        timeout: float = 3600) -> Report:
    """``judge`` in a fresh interpreter, so that the notebook's state and threads stay out of the caller.
    The notebook's own output goes to ``log``; the report to ``log`` with the suffix ``.json``."""
    out = log.with_suffix(".json")
    args = [sys.executable, "-m", "tests.mutant_runner", assignment, "--root", str(root), "--json", str(out)]
    if mutants is not None:
        mutants_file = log.with_suffix(".mutants.json")
        mutants_file.write_text(json.dumps([asdict(m) for m in mutants]))
        args += ["--mutants", str(mutants_file)]
    with open(log, "w") as handle:
        done = subprocess.run(args, cwd=ROOT, env=grading_environment(), stdout=handle, stderr=subprocess.STDOUT,
                              timeout=timeout)
    if done.returncode != 0 or not out.is_file():
        tail = log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"the mutant runner for {assignment} failed (exit {done.returncode}); its log ends:\n{tail}")
    return Report.from_json(out.read_text())


def splice(source: nbformat.NotebookNode, mutant: Mutant) -> nbformat.NotebookNode:
    """The source notebook with the mutant's edit, cut after the test cell meant to catch it (later cells
    cannot change that cell's grade, so they need not run): what ``nbgrader autograde`` grades."""
    index_of = {grade_id(c): i for i, c in enumerate(source.cells)}
    spliced = copy.deepcopy(source)
    spliced.cells = [mutated_cell(c, mutant) if i == index_of[mutant.cell] else c
                     for i, c in enumerate(spliced.cells[: index_of[mutant.catches] + 1])]
    return spliced


def grade_with_nbgrader(course_dir: Path, assignment: str, source: nbformat.NotebookNode, mutants: list[Mutant],
                        timeout: float | None = 1800) -> dict[str, dict | str]:
    """Each mutant spliced into the source ``cells`` and graded by one real ``nbgrader autograde`` call in
    ``course_dir`` (which holds the generated release): mutant name -> its cell grades, or why it has none."""
    from helpers.course import pipeline as course

    results: dict[str, dict | str] = {}
    for mutant in mutants:
        course.submit(course_dir, assignment, f"mutant-{mutant.name}", splice(source, mutant))
    try:  # the splice ends at the catching test; RestoreReleaseCells would put the release's later cells back
        course.autograde(course_dir, assignment, "mutant-*", timeout=timeout,
                         options=["--RestoreReleaseCells.enabled=False"])
        failure = ""
    except course.CourseError as error:  # nbgrader goes on after a failed submission; the others are graded
        failure = str(error)
    for mutant in mutants:
        try:
            results[mutant.name] = course.cell_grades(course_dir, assignment, f"mutant-{mutant.name}")
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            results[mutant.name] = f"nbgrader recorded no grades ({error!r}); its log:\n{failure[-3000:]}"
    return results


def disagreements(report: Report, mutant: Mutant, nbgrader_grades: dict, source: nbformat.NotebookNode) -> list[str]:
    """The test cells, up to the mutant's catching one, that nbgrader scored differently from this runner."""
    index_of = {grade_id(c): i for i, c in enumerate(source.cells)}
    tests = [grade_id(c) for c in source.cells[: index_of[mutant.catches] + 1] if is_test(c)]
    if report.mutants[mutant.name].error:
        return [f"the runner could not judge {mutant.name}: {report.mutants[mutant.name].error}"]
    fast = report.scores_with(mutant, tests)
    return [f"{cell}: nbgrader {nbgrader_grades[cell].score:g}, mutant runner {fast[cell]:g} "
            f"(of {nbgrader_grades[cell].max_score:g})"
            for cell in tests if nbgrader_grades[cell].score != fast[cell]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutant_runner", description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course root holding source/ (default: this clone)")
    parser.add_argument("--mutants", type=Path, help="a JSON list of mutants (default: tests/mutants/ASSIGNMENT.py)")
    parser.add_argument("--json", type=Path, help="write the report here instead of printing a table")
    args = parser.parse_args(argv)
    if os.environ.get("NBGRADER_EXECUTION") != "autograde":  # run by hand: again, in the grading environment
        os.execve(sys.executable, [sys.executable, "-m", "tests.mutant_runner", *sys.argv[1:]], grading_environment())
    mutants = [Mutant(**m) for m in json.loads(args.mutants.read_text())] if args.mutants else None
    report = judge(args.assignment, mutants, args.root.resolve())
    if args.json:
        args.json.write_text(report.to_json())
        return 0
    for mutant in mutants or mutants_for(args.assignment):
        run, control = report.mutants[mutant.name], report.control[mutant.catches]
        got = run.cells.get(mutant.catches)
        caught = got is not None and got.score < got.max_score and control.score == control.max_score
        detail = run.error or (got.error if got else "")
        print(f"{'caught' if caught else 'NOT CAUGHT':<11} {run.seconds:6.1f} s  {mutant.name:<40} {mutant.catches:<30} "
              f"{detail[:60]}", file=sys.__stdout__)
    print(f"{len(report.mutants)} mutants in {report.seconds:.1f} s", file=sys.__stdout__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
