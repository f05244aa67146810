"""helpers.course.plugins' pure parts on small notebooks (no kernel): how a submission is rebuilt on the
release, and which code is flagged. tests/test_robustness.py runs the same plug-ins through nbgrader."""
from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.course.plugins import find_tampering, restore_cells


def cell(kind: str, source: str, grade_id: str | None = None, **flags):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    made = make(source)
    if grade_id:
        made.metadata["nbgrader"] = {"grade_id": grade_id, "grade": False, "solution": False, "locked": False,
                                     "schema_version": 3, "task": False, **flags}
    return made


STUB = "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def release() -> list:
    return [
        cell("markdown", "# Homework"),
        cell("code", "import numpy as np\nfrom helpers import grading", "setup", locked=True),
        cell("markdown", "Implement `double`."),
        cell("code", STUB, "double", solution=True),
        cell("code", "grading.check_equal('double', double(2), 4)", "test_double", grade=True, locked=True, points=2),
        cell("code", "def half(x):\n    raise NotImplementedError()", "half", solution=True),
        cell("code", "grading.check_equal('half', half(4), 2)", "test_half", grade=True, locked=True, points=2),
        cell("markdown", "Why?"),
        cell("markdown", "YOUR ANSWER HERE", "q_why", grade=True, solution=True, points=3),
        cell("markdown", "The end."),
    ]


def answered() -> list:
    cells = copy.deepcopy(release())
    cells[3].source = "def double(x):\n    return 2 * x"
    cells[5].source = "def half(x):\n    return x / 2"
    cells[8].source = "Because doubling is linear."
    return cells


def sources(cells) -> list[str]:
    return [c.source for c in cells]


def test_an_untouched_submission_is_unchanged():
    rebuilt, notes = restore_cells(release(), answered())
    assert sources(rebuilt) == sources(answered()) and notes == []


def test_deleted_emptied_and_edited_tests_come_back_from_the_release():
    submission = answered()
    submission[6].source = "pass"
    submission[1].source = ""
    del submission[4]
    rebuilt, notes = restore_cells(release(), submission)
    assert sources(rebuilt) == sources(answered())
    assert any("test_double" in n and "deleted" in n for n in notes)
    assert any("test_half" in n and "edited" in n for n in notes)


def test_answers_that_lost_their_ids_are_found_by_function_or_position():
    submission = answered()
    submission[3].metadata["nbgrader"]["grade_id"] = "mine"
    del submission[5].metadata["nbgrader"]
    del submission[8].metadata["nbgrader"]
    rebuilt, notes = restore_cells(release(), submission)
    assert sources(rebuilt) == sources(answered())
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in rebuilt] == \
        [c.metadata.get("nbgrader", {}).get("grade_id") for c in release()]
    assert sum("found by" in n for n in notes) == 3


def test_reordered_and_duplicated_cells_keep_the_release_order_and_the_first_answer_is_graded():
    submission = answered()
    submission = [submission[0], submission[4], submission[1], submission[2], submission[3], submission[3],
                  *submission[5:]]
    submission[5] = copy.deepcopy(submission[5])
    submission[5].source = "def double(x):\n    return x + x  # second try"
    rebuilt, _ = restore_cells(release(), submission)
    graded = [c for c in rebuilt if c.metadata.get("nbgrader", {}).get("grade_id") == "double"]
    assert len(graded) == 1 and graded[0].source == "def double(x):\n    return 2 * x"
    position = sources(rebuilt).index(graded[0].source)
    assert rebuilt[position + 1].source.endswith("# second try") and "nbgrader" not in rebuilt[position + 1].metadata
    assert sources(rebuilt)[position + 2] == release()[4].source  # the test still follows the answers
    assert len({c.id for c in rebuilt}) == len(rebuilt), "cell ids must stay unique"


def test_cells_the_student_added_stay_after_the_cell_they_followed():
    submission = answered()
    submission.insert(4, cell("code", "print(double(21))"))
    rebuilt, notes = restore_cells(release(), submission)
    assert sources(rebuilt)[4] == "print(double(21))" and sources(rebuilt)[5] == release()[4].source
    assert notes == []


def test_a_missing_answer_stays_the_stub_and_is_reported():
    submission = [c for c in answered() if c.metadata.get("nbgrader", {}).get("grade_id") != "half"]
    rebuilt, notes = restore_cells(release(), submission)
    assert sources(rebuilt)[5] == release()[5].source
    assert any("missing" in n and "half" in n for n in notes)


LEGIT = """
import numpy as np
import torch
import matplotlib.pyplot as plt
np.random.seed(0)
plt.rcParams["figure.dpi"] = 80
torch.backends.cudnn.deterministic = True
class Model:
    def __init__(self):
        self.w = np.zeros(3)
def double(x):
    out = np.asarray(x)
    out.flags.writeable = True
    return 2 * out
"""


def flags_of(source: str) -> list[str]:
    return find_tampering(release()[:2] + [cell("code", source, "double", solution=True)] + release()[4:5])


def test_ordinary_student_code_is_not_flagged():
    assert flags_of(LEGIT) == []
    assert flags_of("%time x = np.ones(3)\n!echo hi") == []


@pytest.mark.parametrize("source, words", [
    ("np.allclose = lambda *a, **k: True", "replaces np.allclose"),
    ("grading.check_equal = print", "replaces grading.check_equal"),
    ("import builtins\nbuiltins.len = lambda x: 0", "replaces builtins.len"),
    ("setattr(np, 'isclose', None)", "setattr"),
    ("__import__('helpers.grading').grading.check_close = None", "__import__"),
    ("get_ipython().input_transformers_post.append(f)", "IPython kernel object"),
    ("grading = None", "rebinds the name 'grading'"),
    ("from fake import grading", "rebinds the name 'grading'"),
    ("globals()['grading'] = None", "globals()"),
    ("import sys\nsys.modules['numpy'] = None", "sys.modules"),
    ("exec('np.allclose = None')", "exec"),
    ("import helpers.course.integrity", "grader's machinery"),
])
def test_patches_of_what_the_tests_use_are_flagged(source, words):
    flags = flags_of(source)
    assert any(words in f for f in flags), flags
    assert all(f.startswith("double, line ") for f in flags)


def test_integrity_guard_puts_back_replaced_checks_and_reports_them(monkeypatch):
    import numpy as np

    from helpers import grading
    from helpers.course import integrity

    integrity.start(memory_gb=0)
    assert integrity.after_cell() == []
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(grading, "check_close", lambda *a, **k: None)
    problems = integrity.after_cell()
    assert "numpy.allclose was replaced" in problems and "helpers.grading.check_close was replaced" in problems
    assert not np.allclose([1.0], [2.0]), "the original numpy.allclose should be back"
    with pytest.raises(AssertionError):
        grading.check_close("f", 1.0, 2.0)
    assert integrity.after_cell() == []


# --------------------------------------------------------------------------- kernel start-up


class _FlakyStart:
    """Stands in for nbclient's setup_kernel: the first ``failures`` starts raise ``message``."""

    def __init__(self, failures: int, message: str):
        self.failures, self.message, self.starts, self.exits = failures, message, 0, 0

    def __call__(self):
        import contextlib

        @contextlib.contextmanager
        def setup_kernel():
            self.starts += 1
            if self.starts <= self.failures:
                raise RuntimeError(self.message)
            try:
                yield
            finally:
                self.exits += 1

        return setup_kernel()


def _guarded_with(start: _FlakyStart):
    from helpers.course.plugins import GuardedExecute

    execute = GuardedExecute()
    execute.km = object()
    execute.setup_kernel = start
    return execute


def test_a_kernel_that_dies_before_kernel_info_is_started_once_more():
    start = _FlakyStart(1, "Kernel died before replying to kernel_info")
    execute = _guarded_with(start)
    with execute._fresh_kernel():
        ran = True
    assert ran and start.starts == 2 and start.exits == 1 and execute.km is None


def test_kernel_start_gives_up_after_the_second_failure_and_other_errors_are_not_retried():
    start = _FlakyStart(2, "Kernel died before replying to kernel_info")
    with pytest.raises(RuntimeError, match="kernel_info"):
        with _guarded_with(start)._fresh_kernel():
            pass
    assert start.starts == 2
    other = _FlakyStart(1, "No such kernel named python3")
    with pytest.raises(RuntimeError, match="No such kernel"):
        with _guarded_with(other)._fresh_kernel():
            pass
    assert other.starts == 1


def test_an_error_inside_the_kernel_block_still_shuts_the_kernel_down():
    start = _FlakyStart(0, "")
    with pytest.raises(ValueError):
        with _guarded_with(start)._fresh_kernel():
            raise ValueError("a cell's trouble")
    assert start.starts == 1 and start.exits == 1


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmData from /proc")
def test_memory_cap_measures_use_not_pyarrows_reserved_address_space():
    """`import datasets` under the grading cap must not take a gigabyte of it (jemalloc's reservation, never used)."""
    code = ("import re, sys\n"
            "from helpers.course import integrity\n"
            "def data_mb():\n"
            "    return int(re.search(r'VmData:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024\n"
            "integrity.limit_memory(8)\n"
            "before = data_mb()\n"
            "import datasets\n"
            "print(data_mb() - before)\n")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    grown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert int(grown.split()[-1]) < 300, f"importing datasets took {grown.strip()} MB of the data-segment cap"
