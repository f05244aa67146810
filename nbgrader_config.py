"""nbgrader configuration for the course. Run nbgrader commands from this folder.

The schedule below registers every assignment in source/ with the gradebook
(`python -m helpers.course register`; `release` and `demo` do it in their scratch courses); a test
keeps it equal to the folders in source/.
"""
import importlib.util
import os
import sys
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent
if importlib.util.find_spec("helpers") is None:  # not pip-installed: use the clone's own copy
    sys.path.insert(0, str(COURSE_ROOT))

from nbconvert.preprocessors import (  # noqa: E402  (after the sys.path fallback)
    ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor,
)
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, GetGrades, IgnorePattern, OverwriteCells,
    OverwriteKernelspec, SaveAutoGrades,
)

from helpers.course.plugins import (
    FlagTampering, GuardedExecute, LimitOutputSize, RestoreReleaseCells, StderrIsNotFailure,
)
from helpers.course.feedback import HideHiddenTests

c = get_config()  # noqa: F821  (injected by nbgrader's config loader)

# assignment id -> due date (UTC), in schedule order
ASSIGNMENTS = {
    "hw01_word_vectors": "2027-02-05 23:59:00 UTC",
    "hw02_softmax_gradient_descent": "2027-02-19 23:59:00 UTC",
    "hw03_pytorch_autograd": "2027-03-05 23:59:00 UTC",
    "hw04_language_models": "2027-03-19 23:59:00 UTC",
    "hw05_rnns_and_subwords": "2027-04-02 23:59:00 UTC",
    "hw06_transformers": "2027-04-16 23:59:00 UTC",
    "hw07_self_supervised_objectives": "2027-04-30 23:59:00 UTC",
    "hw08_finetuning_and_distributed": "2027-05-14 23:59:00 UTC",
    "hw09_prompting_and_icl": "2027-05-21 23:59:00 UTC",
    "hw10_retrieval_augmented_lms": "2027-05-28 23:59:00 UTC",
    "hw11_alignment_rlhf": "2027-06-04 23:59:00 UTC",
    "hw12_scaling_laws": "2027-06-11 23:59:00 UTC",
}

c.CourseDirectory.course_id = "selfsup-nlp"
c.CourseDirectory.root = str(COURSE_ROOT)
# SQLite gradebook in the course folder. For parallel grading and large classes, a PostgreSQL database:
# `python -m helpers.course grade A --workers 8 --db postgresql://...` sets NLPCOURSE_GRADEBOOK_URL (or set it here).
c.CourseDirectory.db_url = os.environ.get("NLPCOURSE_GRADEBOOK_URL") or f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"
# The exchange (nbgrader release_assignment / fetch / submit / collect) in a course-local folder, so that it works
# without root; on JupyterHub, point NLPCOURSE_EXCHANGE at the shared exchange (e.g. /usr/local/share/nbgrader/exchange).
c.Exchange.root = os.environ.get("NLPCOURSE_EXCHANGE", str(COURSE_ROOT / "exchange"))
if not os.environ.get("NLPCOURSE_EXCHANGE"):
    Path(c.Exchange.root).mkdir(exist_ok=True)  # nbgrader does not create it
# Notebooks only: data and models come through `helpers`, never inside a submission.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Grading that survives real submissions (helpers/course/plugins.py; tests/test_robustness.py).
# Before execution: put the submission back into the release's cell structure (deleted, edited,
# duplicated or reordered tests, lost grade ids) and flag code that patches what the tests use.
c.Autograde.sanitize_preprocessors = [
    ClearOutput, RestoreReleaseCells, DeduplicateIds, OverwriteKernelspec, OverwriteCells, FlagTampering,
    CheckCellMetadata,
]
# Execution: survive crashes and hangs, cap memory, guard the check functions; then a warning or a
# progress bar on stderr does not zero a test, and floods of output are cut down.
c.Autograde.autograde_preprocessors = [
    GuardedExecute, IgnorePattern, ClearMetadataPreprocessor, StderrIsNotFailure, LimitOutputSize,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
# Training cells shrink under autograde, but a slow student solution still needs room;
# nbgrader's default of 30 s per cell would zero correct but slow code. An infinite loop costs at
# most one timeout per cell that calls it, and the whole notebook at most notebook_timeout.
c.Execute.timeout = 300  # also GuardedExecute's (a subclass)
c.Execute.interrupt_on_timeout = True
c.GuardedExecute.notebook_timeout = 1800
c.GuardedExecute.memory_limit_gb = 8
c.GuardedExecute.max_kernel_restarts = 3
c.LimitOutputSize.max_lines = 300
c.LimitOutputSize.max_chars = 20_000
c.LimitOutputSize.max_image_kb = 1024

# Feedback keeps the hidden tests hidden (helpers/course/feedback.py): each cell's score and failure message stay,
# the hidden code and the traceback frames that quote it go. To show them: c.HideHiddenTests.enabled = False
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]

# Stubs that students replace.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader gives zero to a test cell that writes to stderr. Library warnings (torch, numpy,
# sklearn) are not errors in a student's code, so the grading kernel does not print them.
os.environ.setdefault("PYTHONWARNINGS", "ignore")
# TAs grade several submissions at once, and the tests run two workers. torch's OpenMP threads spin
# while they wait for each other, so two training kernels on two cores ran 10-20x slower (a 1.5 s
# cell took 28 s). Threads that sleep while they wait cost a kernel alone about 2 s (hw04 under
# autograde: 7.6 s of cells -> 9.9 s) and keep two concurrent kernels near that speed (2.6 s for that cell).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
