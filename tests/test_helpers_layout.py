"""helpers/ keeps the students' modules apart from the staff's (helpers/course/), and the staff's imports run one way."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
#: helpers.course's modules, bottom up: a module may import only modules of a lower layer
COURSE_LAYERS = {
    "config": 0, "integrity": 0,
    "pipeline": 1, "plugins": 1, "feedback": 1,
    "report": 2, "export": 2,
    "parallel": 3,
    "batch": 4,
    "cli": 5,
    "__main__": 6,
    "__init__": 0,
}


def imported_helpers_modules(path: Path) -> set[str]:
    """Every ``helpers...`` module that ``path`` imports, at any depth of its code (``from helpers import x`` counts as
    ``helpers.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "helpers"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "helpers":
            found |= {f"{node.module}.{alias.name}" if node.module in ("helpers", "helpers.course") else node.module
                      for alias in node.names}
    return found


def test_student_modules_import_nothing_of_the_course_subpackage():
    for path in sorted(HELPERS.glob("*.py")):
        staff = {m for m in imported_helpers_modules(path) if m == "helpers.course" or m.startswith("helpers.course.")}
        assert not staff, f"{path.name} imports {staff}: the students' modules must not depend on helpers/course/"


def test_course_modules_import_only_lower_layers_of_the_course():
    modules = {path.stem for path in (HELPERS / "course").glob("*.py")}
    assert modules == set(COURSE_LAYERS), f"add the new module to COURSE_LAYERS: {modules ^ set(COURSE_LAYERS)}"
    for name in sorted(modules):
        for imported in imported_helpers_modules(HELPERS / "course" / f"{name}.py"):
            assert imported.startswith("helpers.course."), (
                f"helpers/course/{name}.py imports {imported}: the staff's side imports nothing back from the students'")
            target = imported.split(".")[2]
            assert COURSE_LAYERS[target] < COURSE_LAYERS[name], (
                f"helpers/course/{name}.py imports {target}, which is not below it: imports must run one way")


def test_a_student_install_without_nbgrader_or_dask_imports_every_student_module():
    students = sorted(f"helpers.{path.stem}" for path in HELPERS.glob("*.py") if path.stem != "__init__")
    blocked = ["nbgrader", "nbclient", "nbconvert", "distributed", "dask", "psycopg"]
    program = f"""
import importlib, importlib.abc, sys

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (a student install)")
        return None

sys.meta_path.insert(0, Missing())
import helpers
for module in {students!r}:
    importlib.import_module(module)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r} or m.startswith("helpers.course"))
print("loaded:", loaded)
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "loaded: []" in done.stdout, done.stdout
