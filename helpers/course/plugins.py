"""nbgrader plug-ins that keep grading fair on real submissions; ``nbgrader_config.py`` installs them.

Before execution (``Autograde.sanitize_preprocessors``):

- :class:`RestoreReleaseCells` rebuilds the submission on the release notebook. Every instructor cell
  comes from the release, in the release order. Each answer is the student's cell with the same grade
  id. If the id was lost or changed (Colab, VS Code, copy-paste), the answer is the cell that defines
  the same functions. Cells the student added stay where they were. Deleted, emptied, edited, duplicated
  or reordered tests therefore cannot change what grades the submission.
- :class:`FlagTampering` reads the student's code and flags patches to the modules and names the tests
  rely on (``np.allclose = ...``, ``grading.check_close = ...``, ``builtins``, ``setattr`` on a
  module, IPython input transformers, ``exec``...), for the TA.

Execution (``Autograde.autograde_preprocessors``):

- :class:`GuardedExecute` is nbgrader's ``Execute`` with four additions:
  - a per-cell timeout inside a budget for the whole notebook;
  - a memory cap for the kernel;
  - a fresh kernel after a crash or a hang: the cells that ran are replayed, the fatal one is skipped,
    and the rest still run;
  - :mod:`helpers.course.integrity` after every cell, which puts back a replaced check function and records it.
  A kernel that ignores the interrupt after a timeout, or whose machinery student code broke, counts
  as crashed.
- :class:`StderrIsNotFailure`: nbgrader zeroes a test cell that wrote to stderr. A warning or a progress
  bar is not a failed test, so stderr is shown as stdout; exceptions still fail.
- :class:`LimitOutputSize` adds limits to nbgrader's line limit: characters per cell, images by size,
  number of outputs.

Everything these steps find goes into the graded notebook's metadata under ``nlpcourse_grading``.
The grading report (:mod:`helpers.course.report`) reads it from there.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import json
import re
import uuid
from pathlib import Path
from time import monotonic

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, LimitOutput, NbGraderPreprocessor
from traitlets import Float, Integer

from helpers.course.config import METADATA_KEY


def grading_record(nb: NotebookNode) -> dict:
    """The notebook's ``nlpcourse_grading`` metadata (created empty if missing)."""
    record = nb.metadata.setdefault(METADATA_KEY, {})
    for key in ("restored", "flags", "events"):
        record.setdefault(key, [])
    return record


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _grade_id(cell) -> str | None:
    return _nbgrader(cell).get("grade_id")


def _label(cell, index: int) -> str:
    return _grade_id(cell) or f"cell {index}"


def _defined_names(source: str) -> frozenset[str]:
    """Top-level functions and classes a code cell defines (empty if it does not parse)."""
    try:
        tree = ast.parse(_python_source(source))
    except SyntaxError:
        return frozenset()
    return frozenset(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


def _python_source(source: str) -> str:
    """Cell source with IPython magics (``%time``, ``!pip``) turned into Python calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


# --------------------------------------------------------------------------- sanitize: structure


class RestoreReleaseCells(NbGraderPreprocessor):
    """Put the submission back into the release notebook's shape (see the module docstring)."""

    def preprocess(self, nb, resources):
        record = grading_record(nb)
        template_path = self._template_path(resources)
        if not template_path.is_file():
            message = f"release notebook {template_path} not found: cell structure not checked"
            self.log.warning(message)
            record["restored"].append(message)
            return nb, resources
        template = nbformat.read(template_path, as_version=4)
        nb.cells, notes = restore_cells(template.cells, nb.cells)
        nb.nbformat, nb.nbformat_minor = template.nbformat, template.nbformat_minor
        record["restored"].extend(notes)
        for note in notes:
            self.log.warning("%s", note)
        return nb, resources

    def _template_path(self, resources) -> Path:
        coursedir = CourseDirectory(config=self.config)
        assignment = resources["nbgrader"]["assignment"]
        notebook = resources["nbgrader"]["notebook"]
        return Path(coursedir.format_path(coursedir.release_directory, ".", assignment)) / f"{notebook}.ipynb"


def restore_cells(template: list, submitted: list) -> tuple[list, list[str]]:
    """The release cells with the student's answers put in, plus the student's own extra cells.

    Returns the new cell list and a note for each repair made.
    """
    answers = {_grade_id(c): i for i, c in enumerate(template) if _nbgrader(c).get("solution")}
    known_ids = {_grade_id(c) for c in template if _grade_id(c)}
    template_sources = {c.source.strip() for c in template}
    defines = {i: _defined_names(template[i].source) for i in answers.values() if template[i].cell_type == "code"}
    chosen: dict[int, NotebookNode] = {}  # template index -> student's answer cell
    anchor_of: dict[int, int] = {}  # student cell index -> template index it stands for
    notes = []

    # 1. answers with their grade id, first copy wins
    for s, cell in enumerate(submitted):
        t = answers.get(_grade_id(cell))
        if t is not None and t not in chosen and cell.cell_type == template[t].cell_type:
            chosen[t], anchor_of[s] = cell, t
    # 2. code answers whose id was lost or changed: the cell defining the same functions
    student_defines = {s: _defined_names(c.source) for s, c in enumerate(submitted) if c.cell_type == "code"}
    for t, names in defines.items():
        if t in chosen or not names:
            continue
        for s, cell in enumerate(submitted):
            if s not in anchor_of and cell.cell_type == "code" and _grade_id(cell) not in answers.keys() - {None} \
                    and names <= student_defines[s]:
                chosen[t], anchor_of[s] = cell, t
                notes.append(f"answer cell {_grade_id(template[t])} found by the functions it defines "
                             f"({', '.join(sorted(names))}); its grade id was lost or changed")
                break
    # 3. instructor cells the student kept (also anchors for placing added cells)
    locked_index = {_grade_id(c): i for i, c in enumerate(template) if _grade_id(c) and i not in answers.values()}
    changed = []
    for s, cell in enumerate(submitted):
        if s in anchor_of:
            continue
        t = locked_index.get(_grade_id(cell))
        if t is not None and t not in anchor_of.values():
            anchor_of[s] = t
            if cell.source.strip() != template[t].source.strip():
                changed.append(_grade_id(cell))
    # 4. markdown answers that lost their id: new text between the same instructor cells
    for t in answers.values():
        if t in chosen or template[t].cell_type != "markdown":
            continue
        before = max((a for s, a in anchor_of.items() if a < t), default=-1)
        after = min((a for s, a in anchor_of.items() if a > t), default=len(template))
        lo = max((s for s, a in anchor_of.items() if a == before), default=-1)
        hi = min((s for s, a in anchor_of.items() if a == after), default=len(submitted))
        for s in range(lo + 1, hi):
            cell = submitted[s]
            if s not in anchor_of and cell.cell_type == "markdown" and not _grade_id(cell) \
                    and cell.source.strip() and cell.source.strip() not in template_sources:
                chosen[t], anchor_of[s] = cell, t
                notes.append(f"written answer {_grade_id(template[t])} found by position; its grade id was lost")
                break

    missing = [_grade_id(template[t]) for t in answers.values() if t not in chosen]
    if missing:
        notes.append(f"answer cells missing from the submission (graded as unanswered): {', '.join(missing)}")
    dropped_tests = sorted(i for i in known_ids - {_grade_id(c) for c in submitted} if i not in answers)
    if dropped_tests:
        notes.append(f"instructor cells deleted by the student, put back: {', '.join(dropped_tests)}")

    # cells the student added (or copies that are not the graded one) stay after the cell they followed
    extras: dict[int, list] = {}
    last = -1
    for s, cell in enumerate(submitted):
        if s in anchor_of:
            last = anchor_of[s]
            continue
        if cell.source.strip() in template_sources or not cell.source.strip():
            if _grade_id(cell) in known_ids and cell.source.strip() not in template_sources:
                changed.append(_grade_id(cell))
            continue  # an unchanged (or emptied) copy of an instructor cell: the release version is used
        if _grade_id(cell) in known_ids and _grade_id(cell) not in answers:
            changed.append(_grade_id(cell))
            continue  # an edited instructor cell: replaced by the release version
        extra = copy.deepcopy(cell)
        extra.metadata.pop("nbgrader", None)
        extras.setdefault(last, []).append(extra)
    if changed:
        notes.append(f"instructor cells edited by the student, replaced by the release version: {', '.join(sorted(set(changed)))}")

    cells = [copy.deepcopy(c) for c in extras.get(-1, [])]
    for t, original in enumerate(template):
        cell = copy.deepcopy(original)
        if t in chosen:
            cell.source = chosen[t].source
            if chosen[t].cell_type == "markdown" and chosen[t].get("attachments"):
                cell["attachments"] = copy.deepcopy(chosen[t]["attachments"])
        cells.append(cell)
        cells.extend(extras.get(t, []))
    seen = set()
    for cell in cells:  # unique cell ids (nbformat 4.5) after copies and restores
        if cell.get("id") in seen or "id" not in cell:
            cell["id"] = uuid.uuid4().hex[:8]
        seen.add(cell["id"])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return cells, notes


# --------------------------------------------------------------------------- sanitize: tampering

#: names that reach into the interpreter, the kernel or other modules' state
_SUSPICIOUS_NAMES = {
    "__builtins__": "touches __builtins__",
    "__import__": "imports through __import__",
    "get_ipython": "uses the IPython kernel object (it can rewrite or skip later cells)",
    "exec": "runs code from a string (exec)",
    "eval": "runs code from a string (eval)",
    "compile": "compiles code from a string",
    "globals": "edits the global namespace through globals()",
    "setattr": "sets attributes with setattr",
    "delattr": "deletes attributes with delattr",
}
_SUSPICIOUS_MODULES = {
    "builtins": "imports builtins",
    "ctypes": "imports ctypes",
    "gc": "imports gc (can reach other objects)",
    "unittest.mock": "imports unittest.mock",
    "mock": "imports mock",
    "importlib": "imports importlib",
    "signal": "imports signal (can block the grader's interrupt)",
    "helpers.course": "imports the grader's machinery (plug-ins, integrity guard)",
    "nbgrader": "imports nbgrader",
}
#: attribute assignments that are configuration, not tampering
_ALLOWED_ATTRIBUTE_TARGETS = re.compile(r"^(torch\.backends\.|torch\.set_|.*\.rcParams\b|plt\.|matplotlib\.|pd\.options\.)")


class FlagTampering(NbGraderPreprocessor):
    """Flag student code that patches the modules or names the tests use (recorded, not removed)."""

    def preprocess(self, nb, resources):
        record = grading_record(nb)
        flags = find_tampering(nb.cells)
        record["flags"].extend(flags)
        for flag in flags:
            self.log.warning("possible tampering: %s", flag)
        return nb, resources


def find_tampering(cells: list) -> list[str]:
    """Flags for every student-written code cell (answer cells and cells without nbgrader metadata)."""
    module_aliases, test_names = {}, set()
    for cell in cells:
        if cell.cell_type != "code" or _nbgrader(cell).get("solution"):
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                module_aliases.update({(a.asname or a.name.split(".")[0]): a.name for a in node.names})
            elif isinstance(node, ast.ImportFrom) and node.module:
                module_aliases.update({(a.asname or a.name): f"{node.module}.{a.name}" for a in node.names})
            elif isinstance(node, ast.Name) and _nbgrader(cell).get("grade"):
                test_names.add(node.id)
    protected = set(module_aliases) | {"np", "numpy", "grading", "helpers", "torch", "builtins", "sys", "math"}
    flags = []
    for index, cell in enumerate(cells):
        nbg = _nbgrader(cell)
        if cell.cell_type != "code" or (nbg and not nbg.get("solution")):
            continue  # instructor cells are restored from the release
        tree = _parse(cell.source)
        where = _label(cell, index)
        if tree is None:
            continue
        for node in ast.walk(tree):
            for reason in _node_flags(node, cell.source, protected, module_aliases, test_names):
                flags.append(f"{where}, line {getattr(node, 'lineno', '?')}: {reason}")
    return list(dict.fromkeys(flags))


def _parse(source: str):
    try:
        return ast.parse(_python_source(source))
    except SyntaxError:
        return None


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _node_flags(node, raw_source: str, protected: set, aliases: dict, test_names: set) -> list[str]:
    reasons = []
    targets = []
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    for target in targets:
        for element in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
            dotted = _dotted(element)
            if isinstance(element, ast.Attribute) and dotted and dotted.split(".")[0] in protected \
                    and not _ALLOWED_ATTRIBUTE_TARGETS.match(dotted):
                reasons.append(f"replaces {dotted}, which the tests may rely on")
            elif isinstance(element, ast.Name) and element.id in protected and element.id in test_names:
                reasons.append(f"rebinds the name {element.id!r}, which the tests use")
            elif isinstance(element, ast.Subscript) and isinstance(element.value, ast.Call) \
                    and getattr(element.value.func, "id", None) in ("globals", "vars", "locals"):
                reasons.append("writes into the namespace through globals()/vars()")
            elif isinstance(element, ast.Subscript) and _dotted(element.value) == "sys.modules":
                reasons.append("replaces an entry of sys.modules")
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for name in names:
            for module, reason in _SUSPICIOUS_MODULES.items():
                if name == module or name.startswith(module + "."):
                    reasons.append(reason)
        if isinstance(node, ast.Import) or node.module:
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                full = alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
                if bound in test_names and bound in aliases and aliases[bound] != full \
                        and not (isinstance(node, ast.Import) and aliases[bound] == alias.name):
                    reasons.append(f"rebinds the name {bound!r} (used by the tests) to {full}")
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in protected \
            and node.name in test_names:
        reasons.append(f"defines {node.name!r}, a name the tests use")
    if isinstance(node, ast.Name) and node.id in _SUSPICIOUS_NAMES:
        if node.id != "get_ipython" or "get_ipython" in raw_source or "IPython" in raw_source:
            reasons.append(_SUSPICIOUS_NAMES[node.id])
    if isinstance(node, ast.Attribute) and _dotted(node) in ("sys.modules", "sys.settrace", "sys.setprofile"):
        reasons.append(f"uses {_dotted(node)}")
    return reasons


# --------------------------------------------------------------------------- execution


def _error(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {message}"])


def _timed_out(cell) -> bool:
    return any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))


class GuardedExecute(Execute):
    """nbgrader's Execute that survives crashes and hangs, caps memory and guards the check functions."""

    notebook_timeout = Integer(
        1800, help="Seconds for the whole notebook; cells that start after that get an error instead of running."
    ).tag(config=True)
    memory_limit_gb = Float(
        8.0, help="Cap on the kernel's data segment in GiB (a larger allocation raises MemoryError); 0: no cap."
    ).tag(config=True)
    max_kernel_restarts = Integer(
        3, help="Fresh kernels after a crash or hang; after that the remaining cells are not run."
    ).tag(config=True)

    def preprocess(self, nb, resources, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._deadline = monotonic() + self.notebook_timeout
        self._record = grading_record(nb)
        ran: list[int] = []  # cells to replay in a fresh kernel
        index, restarts = 0, 0
        while index < len(nb.cells):
            with self._fresh_kernel():
                self._start_guard()
                if restarts:
                    self._replay(ran)
                    self._after_cell("replay in a fresh kernel")
                while index < len(nb.cells):
                    cell = nb.cells[index]
                    alive = self._run_cell(cell, index)
                    index += 1
                    if not alive:
                        restarts += 1
                        break
                    if cell.cell_type == "code" and cell.source.strip() and not _timed_out(cell):
                        ran.append(index - 1)
            if restarts > self.max_kernel_restarts and index < len(nb.cells):
                self._stop(nb.cells, index, f"the kernel crashed or hung {restarts} times")
                break
        self.set_widgets_metadata()
        return self.nb, self.resources

    @contextlib.contextmanager
    def _fresh_kernel(self):
        """``setup_kernel``, tried once more when a new kernel dies before it answers ``kernel_info``: a start-up race
        of the machine (seen about once in a thousand starts under load), not something the notebook did."""
        for attempt in (1, 2):
            stack = contextlib.ExitStack()
            try:
                stack.enter_context(self.setup_kernel())
            except RuntimeError as error:
                if attempt == 1 and "before replying to kernel_info" in str(error):
                    self.km = None  # nbclient shut the failed kernel down; start from a new manager
                    continue
                raise
            with stack:
                yield
            return

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        remaining = max(1, int(self._deadline - monotonic()))
        return remaining if timeout is None else min(timeout, remaining)

    def _event(self, cell, index: int, kind: str, detail: str) -> None:
        self._record["events"].append({"cell": _label(cell, index), "kind": kind, "detail": detail})

    def _run_cell(self, cell, index: int) -> bool:
        """Run one cell; False if the kernel is gone (crashed, or hung after a timeout)."""
        if cell.cell_type != "code" or not cell.source.strip():
            return True
        if monotonic() >= self._deadline:
            cell.outputs = [_error("GradingTimeBudgetExceeded",
                                   f"Not run: the notebook used up its {self.notebook_timeout} s grading budget.")]
            self._event(cell, index, "not run", "notebook time budget used up")
            return True
        timeout, started = self._get_timeout(cell), monotonic()
        try:
            self.preprocess_cell(cell, self.resources, index)
        except DeadKernelError:
            cell.outputs.append(_error(
                "KernelDied", "The kernel died while running this cell (a crash, os._exit, or memory exhausted). "
                "Grading went on in a fresh kernel: the cells above were run again, this one was skipped."))
            self._event(cell, index, "kernel died", "the kernel process ended")
            return False
        except CellTimeoutError:  # no reply after the interrupt, or the kernel's own machinery broke
            if monotonic() - started >= timeout:
                self._event(cell, index, "timeout", f"no result within {timeout} s; interrupted")
            cell.outputs.append(_error(
                "KernelUnresponsive", "The kernel stopped responding (it ignored the interrupt, or student code broke "
                "it). Grading went on in a fresh kernel: the cells above were run again, this one was skipped."))
            self._event(cell, index, "kernel hung", "stopped responding; replaced by a fresh kernel")
            return False
        errors = {o.get("ename") for o in cell.outputs if o.get("output_type") == "error"}
        text = " ".join(str(o.get("evalue", "")) for o in cell.outputs if o.get("output_type") == "error")
        if "MemoryError" in errors or "can't allocate memory" in text:
            self._event(cell, index, "memory", f"an allocation went past the {self.memory_limit_gb:g} GiB cap")
        if "CellTimeoutError" in errors:
            self._event(cell, index, "timeout", f"no result within {timeout} s; interrupted")
        self._after_cell(_label(cell, index))
        return True

    def _silent(self, code: str, expression: str | None = None, timeout: float = 60):
        """Run ``code`` in the kernel without output or history; the value of ``expression``, or None."""
        async def run():
            msg_id = self.kc.execute(code, silent=True, store_history=False,
                                     user_expressions={"value": expression} if expression else {})
            deadline = monotonic() + timeout
            while monotonic() < deadline:
                try:
                    msg = await self.kc.shell_channel.get_msg(timeout=max(0.1, deadline - monotonic()))
                except Exception:  # queue.Empty: no reply yet
                    if not await self.kc.is_alive():
                        return None
                    continue
                if msg["parent_header"].get("msg_id") == msg_id:
                    return msg["content"]
            return None

        return run_sync(run)()

    def _start_guard(self) -> None:
        info = self.wait_for_reply(self.kc.kernel_info())
        if info:
            self.nb.metadata["language_info"] = info["content"]["language_info"]
        self._silent(f"__import__('helpers.course.integrity', fromlist=['start']).start({self.memory_limit_gb!r})")

    def _after_cell(self, label: str) -> None:
        reply = self._silent("", "__import__('json').dumps(__import__('helpers.course.integrity', fromlist=['x']).after_cell())")
        try:
            value = reply["user_expressions"]["value"]
            problems = json.loads(ast.literal_eval(value["data"]["text/plain"]))
        except (TypeError, KeyError, ValueError, SyntaxError):
            problems = ["the integrity check could not run (helpers.course.integrity or json was tampered with)"]
        for problem in problems:
            self._record["flags"].append(f"{label} (at run time): {problem}; the original was put back")

    def _replay(self, indices: list[int]) -> None:
        """Re-run cells that completed before a crash, in a fresh kernel, discarding their outputs."""
        for i in indices:
            scratch = copy.deepcopy(self.nb.cells[i])
            try:
                self.execute_cell(scratch, i, store_history=False)
            except DeadKernelError:
                return

    def _stop(self, cells, start: int, why: str) -> None:
        for i in range(start, len(cells)):
            if cells[i].cell_type == "code" and cells[i].source.strip():
                cells[i].outputs = [_error("GradingStopped", f"Not run: {why}.")]
        self._record["events"].append({"cell": _label(cells[start], start), "kind": "stopped", "detail": why})


class StderrIsNotFailure(NbGraderPreprocessor):
    """Show stderr in graded cells as stdout, so that a warning or progress bar never zeroes a test.

    nbgrader gives 0 to a test cell with any stderr output; a failed test raises an exception, which
    stays an error output and still scores 0.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.outputs:
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


class LimitOutputSize(LimitOutput):
    """nbgrader's LimitOutput, plus caps on characters per cell, image size and number of outputs."""

    max_chars = Integer(20_000, help="Characters of text kept per cell (head and tail).").tag(config=True)
    max_image_kb = Integer(1024, help="Images larger than this (KiB, base64) are replaced by a note.").tag(config=True)
    max_outputs = Integer(50, help="Outputs kept per cell.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type != "code":
            return cell, resources
        if len(cell.outputs) > self.max_outputs:
            dropped = len(cell.outputs) - self.max_outputs
            cell.outputs = cell.outputs[: self.max_outputs] + [NotebookNode(
                output_type="stream", name="stdout", text=f"... {dropped} more outputs removed by the grader ...\n")]
        budget = self.max_chars
        for output in cell.outputs:
            if output.get("output_type") == "stream":
                output["text"], budget = self._clip(output["text"], budget)
            elif "data" in output:
                data = output["data"]
                for mime in [m for m in data if m.startswith("image/")]:
                    size_kb = len(data[mime]) // 1024
                    if size_kb > self.max_image_kb:
                        del data[mime]
                        data["text/plain"] = f"[a {size_kb} KiB image was removed by the grader: keep figures small]"
                for mime in [m for m in data if m in ("text/plain", "text/html", "text/markdown", "text/latex")]:
                    text = data[mime] if isinstance(data[mime], str) else "".join(data[mime])
                    data[mime], budget = self._clip(text, budget)
        return cell, resources

    def _clip(self, text, budget: int) -> tuple[str, int]:
        text = text if isinstance(text, str) else "".join(text)
        if len(text) <= budget:
            return text, budget - len(text)
        keep = max(budget, 0)
        head, tail = text[: keep * 3 // 4], text[len(text) - keep // 4:] if keep else ""
        return f"{head}\n... {len(text) - keep:,} characters removed by the grader ...\n{tail}", 0
