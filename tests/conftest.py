"""Test-wide settings (offline, the data mirror beside the repository, a shared scratch cache), the order in
which xdist hands out the slow groups, and the table of seconds per assignment printed after every run."""
import functools
import os
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PLANNED_ASSIGNMENTS = 12  # the course when complete: CI must then stay within 70 minutes
CI_TARGET_MIN, CI_TARGET_TWELVE_MIN = 70, 70  # all twelve assignments exist: the target is 70 minutes

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
# the notebooks' kernels share two cores with the other worker (see nbgrader_config.py)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
if SHARED_DATA.is_dir():
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(SHARED_DATA))
# One cache for the whole run, shared by the xdist workers and the grading kernels they start.
os.environ.setdefault("NLPCOURSE_CACHE", str(Path(tempfile.gettempdir()) / "nlpcourse-test-cache"))

_started = time.monotonic()
_seconds: dict[tuple[str, str], float] = defaultdict(float)  # (assignment or "", category) -> test seconds
_workers: set[str] = set()
_mutants_caught: list[str] = []  # passed mutant tests


def _slow_groups_first(scope: str) -> int:
    """xdist hands out groups in this order: a real robustness batch (10-18 min on one worker) first, so that
    it never ends the run alone, then each assignment's pipeline (3-5 min), then the rest (seconds each)."""
    name = scope.rsplit("@", 1)[-1]  # xdist names a group's scope by the group alone
    if name == "robustness-synthetic":
        return 2
    if name.startswith("robustness-"):
        return 0
    return 1 if name.startswith("pipeline-") else 3


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadGroupScheduling

    class SlowGroupsFirst(LoadGroupScheduling):
        ordered = False

        def _assign_work_unit(self, node):
            if not self.ordered:  # the queue is complete before the first unit goes out
                ranked = sorted(self.workqueue.items(), key=lambda item: (_slow_groups_first(item[0]), -len(item[1])))
                self.workqueue.clear()
                self.workqueue.update(ranked)
                self.ordered = True
            super()._assign_work_unit(node)

    return SlowGroupsFirst(config, log)


def _assignment_and_category(nodeid: str, names: list[str]) -> tuple[str, str]:
    module = nodeid.split("::")[0].rsplit("/", 1)[-1]
    found = next((n for n in names if re.search(rf"[\[\-:]{re.escape(n)}[\]\-:]", nodeid)), "")
    if module == "test_pipeline.py":
        return found, "mutants" if "::test_mutant_" in nodeid else "pipeline"
    if module == "test_robustness.py":
        return found, "robustness"
    return "", "other"


@functools.cache
def _assignment_names() -> tuple[str, ...]:
    from helpers.course import pipeline as course

    return (*course.schedule(), "synthetic")


def pytest_runtest_logreport(report):
    _seconds[_assignment_and_category(report.nodeid, list(_assignment_names()))] += report.duration
    if report.when == "call" and report.passed and "::test_mutant_loses_the_points_of_its_test[" in report.nodeid:
        _mutants_caught.append(report.nodeid)
    node = getattr(report, "node", None)
    if node is not None:
        _workers.add(str(getattr(getattr(node, "gateway", None), "id", node)))


def seconds_table(seconds: dict, wall: float, workers: int, scheduled: int, setup: float) -> list[str]:
    """Worker-seconds per assignment and kind of check, and the CI time projected for the complete course."""
    rows = sorted({a for a, _ in seconds if a})
    kinds = ("pipeline", "mutants", "robustness")
    lines = [f"{'assignment':<32}" + "".join(f"{k:>12}" for k in kinds) + f"{'total':>10}"]
    for a in rows:
        cells = [seconds.get((a, k), 0.0) for k in kinds]
        lines.append(f"{a:<32}" + "".join(f"{c:>12.0f}" if c else f"{'-':>12}" for c in cells) + f"{sum(cells):>10.0f}")
    other = sum(v for (a, _), v in seconds.items() if not a)
    lines.append(f"{'other tests':<32}{'':>36}{other:>10.0f}")
    per_assignment = [seconds.get((a, "pipeline"), 0.0) + seconds.get((a, "mutants"), 0.0) for a in rows if a != "synthetic"]
    mean = sum(per_assignment) / len(per_assignment) if per_assignment else 0.0
    projected = wall + max(PLANNED_ASSIGNMENTS - scheduled, 0) * mean / max(workers, 1)
    lines.append(f"pytest: {sum(seconds.values()):.0f} worker-seconds on {workers} worker(s), {wall:.0f} s wall"
                 + (f"; CI setup before it {setup:.0f} s, so {(setup + wall) / 60:.1f} min (target {CI_TARGET_MIN})"
                    if setup else ""))
    if len(per_assignment) < scheduled:  # a partial run (-k, -m) projects nothing
        return lines
    lines.append(f"projection for {PLANNED_ASSIGNMENTS} assignments: {max(PLANNED_ASSIGNMENTS - scheduled, 0)} more at "
                 f"{mean:.0f} worker-seconds each (pipeline + mutants; the robustness batches do not grow) -> "
                 f"{(setup + projected) / 60:.1f} min (limit {CI_TARGET_TWELVE_MIN})")
    return lines


def pytest_terminal_summary(terminalreporter):
    """Print the measured figures that tests record (e.g. autograde seconds), also under xdist, and the
    seconds per assignment."""
    lines = [
        f"{name}: {value}"
        for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
        if report.when == "call"
        for name, value in report.user_properties
    ]
    if lines:
        terminalreporter.section("measured")
        for line in sorted(lines):
            terminalreporter.write_line(line)
    if any(a for a, _ in _seconds):
        terminalreporter.section("seconds per assignment")
        setup = float(os.environ.get("NLPCOURSE_CI_SETUP_SECONDS", 0) or 0)
        for line in seconds_table(_seconds, time.monotonic() - _started, len(_workers) or 1,
                                  len(_assignment_names()) - 1, setup):
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"mutants caught (each losing its test's points): {len(_mutants_caught)}")
