"""Notebooks: the companion notebooks run top to bottom, and no committed notebook carries outputs.

The output check covers every notebook under notebooks/, source/ and release/ that git tracks or
would commit (untracked files that are not ignored), so a notebook saved after running is caught
before it lands. Outside a git work tree it falls back to globbing those folders.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CELL_TIMEOUT_S = 300
CHECKED_FOLDERS = ("notebooks", "source", "release")


def _skip_checkpoints(paths):
    return sorted(p for p in paths if ".ipynb_checkpoints" not in Path(p).parts)


def companion_notebooks() -> list[str]:
    return _skip_checkpoints(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").rglob("*.ipynb"))


def committed_notebooks() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--",
             *(f"{folder}/*.ipynb" for folder in CHECKED_FOLDERS)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.split("\0")
        paths = {p for p in listed if p and (ROOT / p).is_file()}
    except (OSError, subprocess.CalledProcessError):  # no git, or not a work tree
        paths = {str(p.relative_to(ROOT)) for folder in CHECKED_FOLDERS for p in (ROOT / folder).rglob("*.ipynb")}
    return _skip_checkpoints(paths)


@pytest.mark.parametrize("relpath", companion_notebooks())
def test_companion_notebook_runs_top_to_bottom(relpath, monkeypatch):
    """Every cell runs without an error; the kernel inherits NLPCOURSE_QUICK=1, which the longer demos read to run a
    smaller version (fewer prompts, fewer tokens) through the same code."""
    monkeypatch.setenv("NLPCOURSE_QUICK", "1")
    path = ROOT / relpath
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},  # cwd = the notebook's folder
    )
    client.execute()  # raises CellExecutionError (with the cell and traceback) on the first error
    errors = [
        (i, output.get("ename"))
        for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
        for output in cell.get("outputs", []) if output.output_type == "error"
    ]
    assert errors == [], f"{relpath}: cells with errors {errors}"


@pytest.mark.parametrize("relpath", committed_notebooks())
def test_committed_notebook_has_no_outputs(relpath):
    notebook = nbformat.read(ROOT / relpath, as_version=4)
    dirty = [
        i for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert dirty == [], (
        f"{relpath}: code cells {dirty} carry outputs or execution counts; clear them "
        "(e.g. `jupyter nbconvert --clear-output --inplace`) before committing"
    )


@pytest.mark.parametrize("relpath", [p for p in committed_notebooks() if p.startswith("source/")])
def test_written_questions_stay_visible_in_the_release(relpath):
    """nbgrader replaces a whole manually graded answer cell by "YOUR ANSWER HERE" in the release, so the question
    must sit in the markdown cell above it, and the answer cell holds only the reference answer and the rubric."""
    cells = nbformat.read(ROOT / relpath, as_version=4).cells
    answers = [i for i, cell in enumerate(cells)
               if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution")]
    for i in answers:
        grade_id = cells[i].metadata["nbgrader"]["grade_id"]
        above = cells[i - 1] if i else None
        assert above is not None and above.cell_type == "markdown" and "Written question" in above.source, (
            f"{relpath}: the cell above answer cell {grade_id!r} does not state a written question; students would "
            "see only 'YOUR ANSWER HERE'"
        )
        assert "Written question" not in cells[i].source, (
            f"{relpath}: answer cell {grade_id!r} holds its question, which the release blanks: move the question "
            "into a markdown cell above it"
        )
