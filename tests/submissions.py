"""Student submissions built from the real release notebook: a correct one and the bad ones that TAs meet.

``solved(release, source)`` is what a student who gets everything right hands in: the release notebook
with each answer cell holding the reference solution, without its markers. Every other builder starts
from it and breaks one thing, in a way that works for any assignment: it picks its targets among the
answer cells that define functions (``function_answers``).
"""
from __future__ import annotations

import ast
import copy
import json
import re

import nbformat


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    return meta(cell).get("grade_id")


def is_test(cell) -> bool:
    return cell.cell_type == "code" and meta(cell).get("grade") and not meta(cell).get("solution")


def solved(release, source):
    """The release with every answer filled in from the source notebook, as a student would type it."""
    answers = {grade_id(c): c for c in source.cells if meta(c).get("solution")}
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        if meta(cell).get("solution"):
            text = answers[grade_id(cell)].source
            if cell.cell_type == "code":
                text = "\n".join(line for line in text.splitlines() if not re.search(r"### (BEGIN|END) SOLUTION", line))
            cell.source = text
    return notebook


def functions_defined(source: str) -> list[str]:
    return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


def _names_defined(source: str) -> set[str]:
    """Top-level functions and classes a cell defines."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return set()
    return {n.name for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def later_uses(notebook, index: int, name: str) -> int:
    """How many cells after ``index`` use ``name``, directly or through a function or class defined in a later
    answer cell that uses it (a broken ``nt_xent`` also breaks every cell that calls ``simclr_step``)."""
    callers, uses = {name}, 0
    for cell in notebook.cells[index + 1:]:
        if any(re.search(rf"\b{n}\b", cell.source) for n in callers):
            uses += 1
            if cell.cell_type == "code" and meta(cell).get("solution"):
                callers |= _names_defined(cell.source)
    return uses


def function_answers(notebook) -> list[tuple[int, str, int]]:
    """(answer cell index, function name, index of the first test cell after it) for each answer cell
    that defines a top-level function, fewest later uses of the function first (so that breaking it
    touches as few other cells as possible; a crash costs a fresh kernel per calling cell)."""
    found = []
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not meta(cell).get("solution"):
            continue
        names = functions_defined(cell.source)
        test = next((j for j in range(i + 1, len(notebook.cells)) if is_test(notebook.cells[j])), None)
        if names and test is not None:
            name = names[0]
            found.append((later_uses(notebook, i, name), i, name, test))
    return [(i, name, test) for _, i, name, test in sorted(found)]


def redefine(notebook, index: int, name: str, body: str):
    """A copy of ``notebook`` whose answer cell ``index`` ends by redefining ``name`` with ``body``."""
    broken = copy.deepcopy(notebook)
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    broken.cells[index].source += f"\n\n_{name}_correct = {name}\n\ndef {name}(*args, **kwargs):\n{indented}\n"
    return broken


FAULTS = {
    # the student's bug -> the body of the broken function
    "raises": 'raise RuntimeError("a bug in the student code")',
    "loops": "while True:\n    pass",
    "ignores_interrupt": "import time\nwhile True:\n    try:\n        time.sleep(0.5)\n    except BaseException:\n        pass",
    "asks_input": 'return input("value? ")',
    "exits": "import os\nos._exit(1)",
    "segfaults": "import ctypes\nctypes.string_at(0)",
    "exhausts_memory": "blocks = []\nwhile True:\n    blocks.append(bytearray(256 * 2**20))",
}

NOISY_BODY = '''import sys, warnings
from tqdm.auto import tqdm
for _ in tqdm(range(3), desc="working"):
    pass
print("debug: called", file=sys.stderr)
warnings.simplefilter("always")
warnings.warn("a warning from the student's code")
np.log(np.zeros(1))
return _{name}_correct(*args, **kwargs)'''

FLOOD_CELL = '''
print("x" * 3_000_000)
for _i in range(20_000):
    print(_i)
import matplotlib.pyplot as _plt
_plt.figure(figsize=(30, 30), dpi=100)
_plt.imshow(np.random.default_rng(0).random((1500, 1500)))
_plt.show()
'''


def restructured(notebook, targets: list[tuple[int, str, int]]):
    """Correct answers, but the cells around them deleted, emptied, edited, duplicated, reordered or
    relabelled, as students do in Colab and JupyterLab."""
    (a, _, test_a), (b, _, test_b), (c, _, test_c), (d, _, test_d), (e, _, test_e), (f, _, _) = targets[:6]
    cells = copy.deepcopy(notebook.cells)
    cells[test_b].source = ""  # emptied test
    cells[test_c].source = "pass  # I am sure this works"  # edited test
    cells[test_c].metadata["nbgrader"]["points"] = 100  # and its points raised
    cells[f].metadata["nbgrader"]["grade_id"] = "my_answer"  # answer relabelled
    cells[e].metadata.pop("nbgrader")  # answer that lost its metadata
    extra = nbformat.v4.new_code_cell("print('my own scratch cell')")
    order = list(range(len(cells)))
    order.remove(test_a)  # deleted test
    order.remove(test_e)
    order.insert(order.index(e), test_e)  # test moved above its answer
    order.insert(order.index(d) + 1, d)  # answer duplicated
    order.insert(order.index(test_d) + 1, test_d)  # test duplicated
    new = [copy.deepcopy(cells[i]) for i in order]
    new.insert(1, extra)
    out = copy.deepcopy(notebook)
    out.cells = new
    for cell in out.cells:  # duplicated cells keep their metadata (as copy-paste does) but get new ids
        cell.pop("id", None)
    out.nbformat_minor = 4
    return out


def with_deleted_tests(notebook, broken: list[tuple[int, str, int]]):
    """Wrong answers whose tests the student deleted, emptied, or edited and relabelled."""
    out = copy.deepcopy(notebook)
    for i, name, _ in broken:
        out = redefine(out, i, name, FAULTS["raises"])
    (_, _, t1), (_, _, t2), (_, _, t3) = broken
    out.cells[t2].source = ""
    out.cells[t3].source = "pass"
    out.cells[t3].metadata["nbgrader"]["grade_id"] = "test_mine"
    del out.cells[t1]
    return out


def colab(notebook):
    """The notebook as Google Colab saves it: nbformat 4.0 without cell ids, Colab metadata, ids in cell
    metadata, 'deletable' dropped, execution counts, and widget and stream outputs."""
    nb = json.loads(nbformat.writes(notebook))
    nb["nbformat_minor"] = 0
    nb["metadata"] = {"colab": {"provenance": [], "toc_visible": True, "gpuType": "T4"},
                      "kernelspec": {"name": "python3", "display_name": "Python 3"},
                      "language_info": {"name": "python"}, "accelerator": "GPU",
                      "widgets": {"application/vnd.jupyter.widget-state+json": {"abc123": {
                          "model_name": "HBoxModel", "model_module": "@jupyter-widgets/controls",
                          "model_module_version": "1.5.0", "state": {}}}}}
    for n, cell in enumerate(nb["cells"]):
        cell.pop("id", None)
        cell["metadata"].pop("deletable", None)
        cell["metadata"].pop("editable", None)
        cell["metadata"]["id"] = f"c{n:04d}Xy"
        if cell["cell_type"] == "code":
            cell["metadata"]["colab"] = {"base_uri": "https://localhost:8080/"}
            cell["metadata"]["outputId"] = f"o{n:04d}"
            cell["execution_count"] = n + 1
            cell["outputs"] = [
                {"output_type": "display_data", "metadata": {},
                 "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "abc123", "version_major": 2,
                                                                        "version_minor": 0},
                          "text/plain": "working: 100%|##########| 3/3"}},
                {"output_type": "stream", "name": "stdout", "text": ["ran in Colab\n"]},
            ]
    return json.dumps(nb, indent=2)


def nbformat_v3(notebook) -> str:
    """The notebook in the old nbformat 3 (worksheets)."""
    return nbformat.writes(nbformat.convert(copy.deepcopy(notebook), 3), version=3)


def nbformat_future(notebook) -> str:
    """The notebook as a newer Jupyter might write it: a higher minor version and unknown fields."""
    nb = json.loads(nbformat.writes(notebook))
    nb["nbformat_minor"] = 9
    nb["metadata"]["future_editor"] = {"theme": "dark"}
    for cell in nb["cells"]:
        cell["metadata"]["future_field"] = True
    return json.dumps(nb)


def stripped(notebook):
    """Every nbgrader marker gone (an editor that drops unknown metadata)."""
    out = copy.deepcopy(notebook)
    for cell in out.cells:
        cell.metadata.pop("nbgrader", None)
    return out


def returning(notebook, value: str):
    """Every function defined in an answer cell returns ``value`` instead (wrong type or shape)."""
    out = copy.deepcopy(notebook)
    for cell in out.cells:
        if cell.cell_type == "code" and meta(cell).get("solution"):
            for name in functions_defined(cell.source):
                cell.source += f"\n\ndef {name}(*args, **kwargs):\n    return {value}\n"
    return out


TAMPER_AT_DEFINITION = """
import builtins
from helpers import grading as _grading_module
for _n in [n for n in dir(_grading_module) if n.startswith("check_")]:
    setattr(_grading_module, _n, lambda *a, **k: None)
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)
builtins.abs = lambda x: 0
get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"] if any("grading" in l for l in lines) else lines)

class _AnythingGoes:
    def __getattr__(self, name):
        return lambda *a, **k: None

grading = _AnythingGoes()
"""

TAMPER_AT_CALL = """
_{name}_wrong = {name}

def {name}(*args, **kwargs):
    _module = __import__("helpers.grading", fromlist=["check_close"])
    for _n in dir(_module):
        if _n.startswith("check_"):
            setattr(_module, _n, lambda *a, **k: None)
    return _{name}_wrong(*args, **kwargs)
"""


KERNEL_BREAKER = """
import builtins
builtins.isinstance = lambda *a: True
"""


def mutated(notebook, mutant):
    """``notebook`` with a mutant (tests/mutants) applied to its answer cell."""
    out = copy.deepcopy(notebook)
    cell = next(c for c in out.cells if grade_id(c) == mutant.cell)
    assert cell.source.count(mutant.find) == 1, f"mutant {mutant.name} does not apply to the solved release"
    cell.source = cell.source.replace(mutant.find, mutant.replace)
    return out


def tampered(notebook, mutant, patch: str):
    """A wrong answer (the mutant) whose answer cell ends with ``patch`` (``{name}``: the function)."""
    out = mutated(notebook, mutant)
    cell = next(c for c in out.cells if grade_id(c) == mutant.cell)
    cell.source += patch.replace("{name}", functions_defined(cell.source)[0])
    return out
