"""Feedback that keeps the hidden tests hidden; ``nbgrader_config.py`` adds it to ``nbgrader generate_feedback``.

nbgrader's feedback is the graded notebook as HTML, so by default every student sees the hidden tests of
every test cell, and the tracebacks of failed ones quote them. A course that reuses its notebooks cannot
afford that. :class:`HideHiddenTests` replaces each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``
block with one comment line and drops the traceback frames that quote hidden code. Each cell's score and the
failure message (``helpers.grading``'s teaching text) stay. ``--HideHiddenTests.enabled=False`` (or the
same line in the config) shows everything.
"""
from __future__ import annotations

import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests, and the traceback frames that quote them, from graded test cells."""

    begin = Unicode("### BEGIN HIDDEN TESTS", help="The line that opens a block of hidden tests.").tag(config=True)
    end = Unicode("### END HIDDEN TESTS", help="The line that closes a block of hidden tests.").tag(config=True)
    placeholder = Unicode("# (hidden tests: not shown in the feedback)",
                          help="What stands in the feedback where the hidden tests were.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or self.begin not in cell.source:
            return cell, resources
        cell.source, hidden = hide_blocks(cell.source, self.begin, self.end, self.placeholder)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [frame if not quotes(frame, hidden) else
                                       "(a frame in the hidden tests; its code is not shown)"
                                       for frame in output.get("traceback", [])]
        return cell, resources


def hide_blocks(source: str, begin: str, end: str, placeholder: str) -> tuple[str, list[str]]:
    """``source`` with each hidden block replaced by ``placeholder`` (indented like the block), and the
    non-blank lines that were removed."""
    kept, hidden, inside = [], [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
            kept.append(line[: len(line) - len(line.lstrip())] + placeholder)
        elif end in line:
            inside = False
        elif inside:
            if line.strip():
                hidden.append(line.strip())
        else:
            kept.append(line)
    return "\n".join(kept), hidden


def quotes(frame: str, hidden: list[str]) -> bool:
    """True if a traceback frame (ANSI-coloured text) shows any of the ``hidden`` lines."""
    text = _ANSI.sub("", frame)
    shown = {re.sub(r"^\s*(-*>\s*)?\d+\s", "", line).strip() for line in text.splitlines()}
    return any(line in shown or (len(line) > 20 and line in text) for line in hidden)
