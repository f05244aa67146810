"""nbgrader configuration for the course. Run nbgrader commands from this folder.

The schedule below registers every assignment in source/ with the gradebook
(`python -m helpers.course register`; `release` and `demo` do it in their scratch courses); a test
keeps it equal to the folders in source/.
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821  (injected by nbgrader's config loader)

COURSE_ROOT = Path(__file__).resolve().parent

# assignment id -> due date (UTC), in schedule order
ASSIGNMENTS = {
    "hw01_word_vectors": "2027-02-05 23:59:00 UTC",
}

c.CourseDirectory.course_id = "selfsup-nlp"
c.CourseDirectory.root = str(COURSE_ROOT)
# SQLite gradebook in the course folder; point db_url at a server database for large classes.
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"
# Notebooks only: data and models come through `helpers`, never inside a submission.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Training cells shrink under autograde, but a slow student solution still needs room;
# nbgrader's default of 30 s per cell would zero correct but slow code.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True

# Stubs that students replace.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader gives zero to a test cell that writes to stderr. Library warnings (torch, numpy,
# sklearn) are not errors in a student's code, so the grading kernel does not print them.
os.environ.setdefault("PYTHONWARNINGS", "ignore")
