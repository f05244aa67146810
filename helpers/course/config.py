"""What every part of the course machinery reads: where the course is, its nbgrader config, and its schedule."""
from __future__ import annotations

import os
import runpy
from pathlib import Path
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_NAME = "nbgrader_config.py"
#: overrides the gradebook URL of nbgrader_config.py (``--db`` sets it), e.g. postgresql://grader@localhost/course
GRADEBOOK_ENV = "NLPCOURSE_GRADEBOOK_URL"
#: the graded notebook's metadata key where the plug-ins record timeouts, crashes, flags and repairs
METADATA_KEY = "nlpcourse_grading"


class CourseError(RuntimeError):
    """An nbgrader step failed; the message carries the end of its log."""


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


def gradebook_url(course_dir: Path) -> str:
    """The gradebook URL that ``course_dir``'s nbgrader config names."""
    return load_config(course_dir / CONFIG_NAME)["c"].CourseDirectory.db_url
