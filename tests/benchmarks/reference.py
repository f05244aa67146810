"""Run a source notebook's reference solution outside Jupyter, for the benchmark scripts."""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def source_notebook(assignment: str) -> Path:
    return ROOT / "source" / assignment / f"{assignment}.ipynb"


def load_reference(assignment: str, definition_cells: set[str], required: set[str], rev: str | None = None) -> dict:
    """Exec, in notebook order, the cells named in ``definition_cells`` and every solution cell of the source
    notebook (as committed at ``rev``, if given; else the working tree's); return the namespace. Raises RuntimeError
    if a name in ``required`` is not defined."""
    import nbformat

    path = source_notebook(assignment)
    text = (subprocess.run(["git", "show", f"{rev}:{path.relative_to(ROOT)}"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout if rev else path.read_text())
    nb = nbformat.reads(text, as_version=4)
    module = types.ModuleType(f"{assignment}_reference")  # a real module, so that @dataclass works
    sys.modules[module.__name__] = module
    namespace = module.__dict__
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if cell.cell_type == "code" and (grade_id in definition_cells or (meta.get("solution") and not meta.get("grade"))):
            with contextlib.redirect_stdout(io.StringIO()):  # the setup cell prints the hardware line
                exec(compile(cell.source, f"{path.name}:{grade_id}", "exec"), namespace)
    missing = required - set(namespace)
    if missing:
        raise RuntimeError(f"{path} does not define {sorted(missing)}")
    return namespace


def print_similarity_table(rows: list[tuple[str, int, float, float, float]], words_per_run: int) -> dict[str, tuple]:
    """Print word-vector runs ``(trainer, seed, ws353, simlex, seconds)`` per trainer, each followed by its mean;
    return ``trainer -> (mean ws353, mean simlex, raw words per second)``."""
    width = max(len(r[0]) for r in rows) + 2
    header = f"{'trainer':<{width}}{'seed':>6}{'WS-353':>9}{'SimLex':>9}{'seconds':>10}{'raw words/s':>14}"
    print("\n" + header + "\n" + "-" * len(header))
    means = {}
    for trainer in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == trainer]
        mean = tuple(sum(r[k] for r in mine) / len(mine) for k in (2, 3, 4))
        for label, ws, sl, sec in [(seed, ws, sl, sec) for _, seed, ws, sl, sec in mine] + [("mean", *mean)]:
            print(f"{trainer:<{width}}{label:>6}{ws:>9.3f}{sl:>9.3f}{sec:>10.1f}{words_per_run / sec:>14,.0f}")
        means[trainer] = (mean[0], mean[1], words_per_run / mean[2])
    return means
