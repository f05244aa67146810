"""Test-wide settings: offline, the data mirror beside the repository, a shared scratch cache."""
import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
# the notebooks' kernels share two cores with the other worker (see nbgrader_config.py)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
if SHARED_DATA.is_dir():
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(SHARED_DATA))
# One cache for the whole run, shared by the xdist workers and the grading kernels they start.
os.environ.setdefault("NLPCOURSE_CACHE", str(Path(tempfile.gettempdir()) / "nlpcourse-test-cache"))


def pytest_terminal_summary(terminalreporter):
    """Print the measured figures that tests record (e.g. autograde seconds), also under xdist."""
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
