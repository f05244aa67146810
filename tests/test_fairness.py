"""Fair grading: no solution a student can see, and every assignment worth the same 100 points, as its table says.

Every release is public at once, so no visible cell may solve a graded function.

What counts as visible: every cell of every release notebook (given code, visible tests, code blocks in markdown),
every companion notebook in notebooks/, and every module of helpers/. What counts as a solution: the code between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` in each solution cell of each source notebook (one graded function or
class per cell).

Both sides are tokenised the same way (tokenize, not text): comments, strings, layout and indentation are dropped,
and every name is replaced by ``V`` unless it is a keyword, a builtin, a module alias the notebooks use (``np``,
``torch``, ``F`` …) or an attribute (after a dot: ``.sum``, ``.masked_fill``), so that renaming variables does not
hide a copy. A visible text *reproduces* a solution when it contains at least ``SHARE`` of the solution's distinct
10-token sequences and at least ``MIN_SHARED`` of them.

Threshold, measured on the releases before this check existed: every known copy scored 0.30 or more (hw03's given
copy of hw01's word2vec 1.00, hw06's ``_reference_step`` 0.80, hw01's ``_numeric_grad`` 0.53 against
``finite_difference_grad`` and 0.49 against hw02's ``numerical_gradient``, hw04's given ``component_probs`` 0.52
against ``interpolated_prob``, hw06's ``_reference_generate`` 0.43, hw05's given vocabulary 0.43 against hw04's
``build_vocab``, hw05's ``reference_train_epoch`` 0.36), while unrelated pairs scored at most 0.27, or shared fewer
than 10 sequences (generic idioms such as ``x.sum(axis=-1, keepdims=True)`` in a short solution). A solution with
fewer than ``MIN_SHARED`` sequences (a one-line formula) cannot be told from an idiom this way, and is not checked;
nor is a visible re-implementation written differently (a vectorised form of a loop): reviewers still read for those.
"""
from __future__ import annotations

import builtins
import io
import json
import keyword
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
N = 10  # tokens per sequence
SHARE = 0.30  # fraction of a solution's sequences that a visible text may not contain
MIN_SHARED = 10  # ... nor this many of them
KEPT_NAMES = frozenset(dir(builtins)) | {"np", "torch", "F", "nn", "math", "sp", "scipy", "plt", "self"}
SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
MARKDOWN_CODE = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def normalised_tokens(code: str) -> list[str]:
    """Code as a token list with names (other than keywords, builtins, module aliases and attributes) as ``V``."""
    tokens: list[str] = []
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type in SKIPPED:
                continue
            if token.type == tokenize.STRING:
                text = "S"
            elif token.type == tokenize.NAME and not (
                keyword.iskeyword(token.string) or token.string in KEPT_NAMES or previous == "."
            ):
                text = "V"
            else:
                text = token.string
            tokens.append(text)
            previous = token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # a fragment (IPython magics, an unfinished example): keep the tokens read so far
    return tokens


def sequences(code: str) -> set[tuple[str, ...]]:
    tokens = normalised_tokens(code)
    return {tuple(tokens[i:i + N]) for i in range(len(tokens) - N + 1)}


@dataclass(frozen=True)
class Solution:
    assignment: str
    grade_id: str
    sequences: frozenset


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text())["cells"]


def solutions(root: Path) -> list[Solution]:
    """The solution blocks of every source notebook, one per solution cell."""
    found = []
    for notebook in sorted(root.glob("source/*/*.ipynb")):
        for cell in _cells(notebook):
            meta = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] == "code" and meta.get("solution"):
                code = "\n".join(textwrap.dedent(block) for block in SOLUTION.findall("".join(cell["source"])))
                found.append(Solution(notebook.parent.name, meta["grade_id"], frozenset(sequences(code))))
    return found


def visible_texts(root: Path) -> list[tuple[str, str]]:
    """(where, code) for everything a student can read: release cells, companion notebooks, helpers modules."""
    texts = []
    notebooks = sorted(root.glob("release/*/*.ipynb")) + sorted(root.glob("notebooks/*.ipynb"))
    for notebook in notebooks:
        for index, cell in enumerate(_cells(notebook)):
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                source = "\n".join(MARKDOWN_CODE.findall(source))
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            label = f"{notebook.relative_to(root)} cell {index}" + (f" ({grade_id})" if grade_id else "")
            texts.append((label, source))
    for module in sorted(root.glob("helpers/*.py")):
        texts.append((str(module.relative_to(root)), module.read_text()))
    return texts


def visible_solution_problems(root: Path, assignment: str | None = None) -> list[str]:
    """Each (solution, visible text) pair where the text reproduces the solution; ``assignment`` limits the
    solutions checked to that assignment's and the texts to that assignment's release (for a writer's quick check)."""
    problems = []
    texts = [(where, sequences(code)) for where, code in visible_texts(root)]
    for solution in solutions(root):
        if len(solution.sequences) < MIN_SHARED:
            continue
        for where, seen in texts:
            if assignment and assignment != solution.assignment and f"/{assignment}/" not in where:
                continue
            shared = len(solution.sequences & seen)
            if shared >= MIN_SHARED and shared >= SHARE * len(solution.sequences):
                problems.append(
                    f"{where} reproduces {solution.assignment}'s graded `{solution.grade_id}`: it contains {shared} of "
                    f"its {len(solution.sequences)} normalised {N}-token sequences "
                    f"({shared / len(solution.sequences):.0%}; the limit is {SHARE:.0%}). Students see this cell: move "
                    f"the reference into hidden tests, or check against stored values, a library built-in or a "
                    f"hand-computed example instead.")
    return problems


ASSIGNMENTS = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_visible_cell_or_helper_solves_a_graded_function(assignment):
    problems = visible_solution_problems(ROOT, assignment)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- 100 points, as the table says
TOTAL_ROW = re.compile(r"\*\*total\*\*\s*\((\d+) autograded \+ (\d+) written\)\s*\|\s*\*\*(\d+)\*\*")
TABLE_ROW = re.compile(r"^\|(?!\s*-).*\|\s*(\d+)\s*\|\s*$", re.M)
TOTAL, AUTOGRADED = 100, range(75, 86)  # about 80 autograded, 20 written


def points_problems(notebook: Path) -> list[str]:
    """The graded cells' points against the points table in the notebook's first markdown cells."""
    cells = _cells(notebook)
    graded = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade")]
    auto = sum(c["metadata"]["nbgrader"].get("points", 0) for c in graded if c["cell_type"] == "code")
    written = sum(c["metadata"]["nbgrader"].get("points", 0) for c in graded if c["cell_type"] == "markdown")
    problems = []
    if auto + written != TOTAL or auto not in AUTOGRADED:
        problems.append(f"{notebook.name}: the graded cells give {auto} autograded + {written} written points; every "
                        f"assignment is worth {TOTAL}, about 80 autograded")
    intro = next((("".join(c["source"])) for c in cells[:6] if TOTAL_ROW.search("".join(c["source"]))), None)
    if intro is None:
        return problems + [f"{notebook.name}: no points table ending in '| | **total** (A autograded + W written) | "
                           f"**{TOTAL}** |' in the first cells"]
    a, w, t = map(int, TOTAL_ROW.search(intro).groups())
    rows = sum(int(m) for m in TABLE_ROW.findall(intro[:TOTAL_ROW.search(intro).start()]))
    if (a, w, t) != (auto, written, auto + written):
        problems.append(f"{notebook.name}: the table's total says {a} autograded + {w} written = {t}, the cells give "
                        f"{auto} + {written} = {auto + written}")
    if rows != t:
        problems.append(f"{notebook.name}: the table's rows add up to {rows}, its total says {t}")
    return problems


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_is_worth_100_points_as_its_table_says(assignment):
    problems = points_problems(ROOT / "source" / assignment / f"{assignment}.ipynb")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- the check itself
SOLUTION_CELL = """def train_step(model, optimizer, batch):
    \"\"\"One step.\"\"\"
    ### BEGIN SOLUTION
    model.train()
    inputs, targets = batch[:, :-1], batch[:, 1:]
    logits = model(inputs)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss.item()
    ### END SOLUTION
"""
STUB_CELL = """def train_step(model, optimizer, batch):
    \"\"\"One step.\"\"\"
    # YOUR CODE HERE
    raise NotImplementedError()
"""
RENAMED_COPY = """def _reference(net, opt, xb):  # visible test's reference, variables renamed
    net.train()
    x, y = xb[:, :-1], xb[:, 1:]
    out = net(x)
    l = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    l.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    return l.item()
"""
PROPERTY_TEST = """_before = [p.detach().clone() for p in model.parameters()]
_loss = train_step(model, optimizer, batch)
assert isinstance(_loss, float), "train_step returns the loss as a float"
assert any(not torch.equal(a, b) for a, b in zip(_before, model.parameters())), "parameters changed"
"""


def _notebook(path: Path, cells: list[tuple[str, str, dict]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [
        {"cell_type": kind, "metadata": {"nbgrader": meta} if meta else {}, "source": source}
        for kind, source, meta in cells]}))


def _course(root: Path, visible_test: str, markdown: str = "Write `train_step`.") -> Path:
    solution = {"grade_id": "train_step", "solution": True, "grade": False}
    test = {"grade_id": "test_train_step", "grade": True, "points": 2}
    _notebook(root / "source/hw09_x/hw09_x.ipynb", [("markdown", markdown, {}), ("code", SOLUTION_CELL, solution),
                                                    ("code", visible_test, test)])
    _notebook(root / "release/hw09_x/hw09_x.ipynb", [("markdown", markdown, {}), ("code", STUB_CELL, solution),
                                                     ("code", visible_test, test)])
    return root


def test_check_passes_a_release_whose_tests_check_properties(tmp_path):
    assert visible_solution_problems(_course(tmp_path, PROPERTY_TEST)) == []


def test_check_flags_a_renamed_reference_in_a_visible_test(tmp_path):
    problems = visible_solution_problems(_course(tmp_path, PROPERTY_TEST + RENAMED_COPY))
    assert len(problems) == 1 and "cell 2 (test_train_step)" in problems[0] and "`train_step`" in problems[0]


def test_check_flags_code_in_markdown_helpers_and_companion_notebooks(tmp_path):
    root = _course(tmp_path, PROPERTY_TEST, markdown="Like this:\n```python\n" + RENAMED_COPY + "```\n")
    (root / "helpers").mkdir()
    (root / "helpers" / "training.py").write_text("import torch\n" + RENAMED_COPY)
    _notebook(root / "notebooks/01_demo.ipynb", [("code", RENAMED_COPY, {})])
    wheres = sorted(p.split(" reproduces")[0] for p in visible_solution_problems(root))
    assert wheres == ["helpers/training.py", "notebooks/01_demo.ipynb cell 0", "release/hw09_x/hw09_x.ipynb cell 0"]


def test_check_flags_another_assignments_solution(tmp_path):
    root = _course(tmp_path, PROPERTY_TEST)
    _notebook(root / "release/hw10_y/hw10_y.ipynb", [("code", "import torch\n" + RENAMED_COPY, {"grade_id": "given"})])
    assert len(visible_solution_problems(root, "hw10_y")) == 1
    assert len(visible_solution_problems(root, "hw09_x")) == 1  # hw09's solution, wherever it shows


def test_points_check_flags_a_wrong_total_and_a_table_that_disagrees(tmp_path):
    table = ("| part | what | points |\n|---|---|---|\n| 1 | `f` | 80 |\n| 1 | *written* | 20 |\n"
             "| | **total** (80 autograded + 20 written) | **100** |")
    cells = [("markdown", table, {}), ("code", "", {"grade": True, "points": 80}),
             ("markdown", "", {"grade": True, "points": 20})]
    _notebook(tmp_path / "a.ipynb", cells)
    assert points_problems(tmp_path / "a.ipynb") == []
    _notebook(tmp_path / "b.ipynb", [cells[0], ("code", "", {"grade": True, "points": 54}), cells[2]])
    assert len(points_problems(tmp_path / "b.ipynb")) == 2  # 74 points, and the table disagrees with the cells
    _notebook(tmp_path / "c.ipynb", [("markdown", table.replace("| 80 |", "| 70 |"), {}), *cells[1:]])
    assert points_problems(tmp_path / "c.ipynb") == ["c.ipynb: the table's rows add up to 90, its total says 100"]
