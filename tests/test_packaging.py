"""Packaging and course-configuration consistency.

* pyproject.toml (dependencies + every extra) and environment.yml name the same packages;
* nbgrader_config.py registers exactly the assignments in source/, each with a source notebook and
  a release notebook that git will commit, in schedule order;
* the per-cell execution timeout leaves room for training cells;
* the README's schedule names every registered assignment and links every released one.

Each check is a function of a course root that returns a list of problems, so the same code runs on
the real repository and, in the self-tests at the bottom, on small fake roots that must be flagged.
"""
from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from helpers.course.config import load_config as load_nbgrader_config

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
MIN_CELL_TIMEOUT_S = 120
ASSIGNMENT_ID = re.compile(r"^hw\d\d_[a-z0-9_]+$")

# conda-side entries that are not Python packages of the project, and conda names of pip packages
CONDA_ONLY = {"python", "pip", "cpuonly", "nodefaults"}
CONDA_TO_PIP = {"pytorch": "torch", "pytorch-cpu": "torch"}


# --------------------------------------------------------------------------- package lists
def normalise(name: str) -> str:
    """PEP 503 normalisation: case-insensitive, runs of '-', '_' and '.' are equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _name_of(spec: str) -> str:
    """The package name at the start of a pip requirement or a conda match spec."""
    spec = spec.strip().split("::")[-1]  # conda channel prefix, e.g. conda-forge::numpy
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec)
    if not match:
        raise ValueError(f"cannot read a package name from {spec!r}")
    return normalise(match.group(0))


def pyproject_packages(pyproject: Path) -> set[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    specs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    own = normalise(project.get("name", ""))
    return {_name_of(s) for s in specs} - {own}  # an extra may name the project's own extras


def environment_packages(environment: Path) -> set[str]:
    env = yaml.safe_load(environment.read_text())
    names: set[str] = set()
    for entry in env.get("dependencies") or []:
        if isinstance(entry, dict):
            for line in entry.get("pip") or []:
                line = line.strip()
                # pip options (--extra-index-url, -e .) and local paths / URLs are not packages
                if line.startswith(("-", ".", "/")) or "://" in line:
                    continue
                names.add(_name_of(line))
        else:
            name = _name_of(str(entry))
            if name not in CONDA_ONLY:
                names.add(normalise(CONDA_TO_PIP.get(name, name)))
    return names


def package_problems(pyproject: Path, environment: Path) -> list[str]:
    ours, conda = pyproject_packages(pyproject), environment_packages(environment)
    problems = []
    if ours - conda:
        problems.append(f"in {pyproject.name} but not {environment.name}: {sorted(ours - conda)}")
    if conda - ours:
        problems.append(f"in {environment.name} but not {pyproject.name}: {sorted(conda - ours)}")
    return problems


# --------------------------------------------------------------------------- nbgrader config
def _folders(path: Path) -> set[str]:
    if not path.is_dir():
        return set()
    return {
        p.name for p in path.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name != "__pycache__"
    }


def _git_ignored(root: Path, relpath: str) -> bool:
    """True when git would not commit `relpath` (only inside a git work tree; False otherwise)."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True, text=True, check=False,
        )
    except FileNotFoundError:
        return False
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return False
    ignored = subprocess.run(
        ["git", "-C", str(root), "check-ignore", "-q", "--no-index", relpath],
        capture_output=True, check=False,
    )
    return ignored.returncode == 0


def assignment_problems(root: Path, namespace: dict) -> list[str]:
    problems = []
    assignments = namespace.get("ASSIGNMENTS")
    if not isinstance(assignments, dict):
        return ["nbgrader_config.py defines no ASSIGNMENTS dict"]
    registered, in_source = set(assignments), _folders(root / "source")
    if registered - in_source:
        problems.append(f"registered but not in source/: {sorted(registered - in_source)}")
    if in_source - registered:
        problems.append(f"in source/ but not registered in ASSIGNMENTS: {sorted(in_source - registered)}")
    stray = _folders(root / "release") - registered
    if stray:
        problems.append(f"in release/ but not registered: {sorted(stray)}")

    for a in assignments:
        if not ASSIGNMENT_ID.match(a):
            problems.append(f"{a!r} is not named hwNN_<name>")
        for kind in ("source", "release"):
            rel = f"{kind}/{a}/{a}.ipynb"
            if not (root / rel).is_file():
                problems.append(f"{rel} is missing")
            elif _git_ignored(root, rel):
                problems.append(f"{rel} is ignored by git, so it would never be committed")

    if list(assignments) != sorted(assignments):
        problems.append(f"ASSIGNMENTS is not in schedule order: {list(assignments)}")
    dues = []
    for a, due in assignments.items():
        try:
            dues.append(datetime.strptime(due, "%Y-%m-%d %H:%M:%S %Z"))
        except (TypeError, ValueError):
            problems.append(f"due date of {a} is not 'YYYY-MM-DD HH:MM:SS UTC': {due!r}")
    if dues != sorted(dues):
        problems.append("due dates are not in schedule order")
    return problems


def config_problems(namespace: dict) -> list[str]:
    c = namespace.get("c")
    if c is None:
        return ["nbgrader_config.py does not bind `c = get_config()`"]
    problems = []
    timeout = c.Execute.get("timeout")
    if not isinstance(timeout, (int, float)) or timeout < MIN_CELL_TIMEOUT_S:
        problems.append(
            f"c.Execute.timeout is {timeout!r}; training cells need >= {MIN_CELL_TIMEOUT_S} s "
            "(nbgrader's default of 30 s zeroes correct but slow code)"
        )
    if not c.CourseDirectory.get("course_id"):
        problems.append("c.CourseDirectory.course_id is not set")
    if not str(c.CourseDirectory.get("db_url", "")).startswith("sqlite:///"):
        problems.append("the default gradebook should be SQLite (c.CourseDirectory.db_url)")
    return problems


def readme_problems(root: Path, assignments) -> list[str]:
    readme = (root / "README.md").read_text()
    problems = []
    for a in assignments:
        if a not in readme:
            problems.append(f"README's schedule does not name {a}")
    for a in sorted(_folders(root / "release")):
        link = f"release/{a}/{a}.ipynb"
        colab = f"https://colab.research.google.com/github/selfsup-nlp/course/blob/main/{link}"
        if colab not in readme:
            problems.append(f"README has no Open-in-Colab link for released {a} ({colab})")
        if f"]({link})" not in readme:
            problems.append(f"README has no link to the released notebook {link}")
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        if f"](notebooks/{notebook.name})" not in readme:
            problems.append(f"README has no link to the companion notebook notebooks/{notebook.name}")
    return problems


# --------------------------------------------------------------------------- the real repository
@pytest.fixture(scope="module")
def namespace() -> dict:
    return load_nbgrader_config(ROOT / "nbgrader_config.py")


def test_pyproject_and_environment_list_the_same_packages():
    assert package_problems(ROOT / "pyproject.toml", ROOT / "environment.yml") == []


def test_assignments_registered_match_source_and_release(namespace):
    assert assignment_problems(ROOT, namespace) == []


def test_nbgrader_config(namespace):
    assert config_problems(namespace) == []
    assert namespace["c"].Execute.timeout >= MIN_CELL_TIMEOUT_S


def test_loading_the_config_does_not_leak_into_this_process():
    # nbgrader_config.py silences warnings for the grading kernel (os.environ.setdefault); the
    # test process and the kernels and nbgrader runs it starts must keep their own environment.
    before = dict(os.environ)
    load_nbgrader_config(ROOT / "nbgrader_config.py")
    assert dict(os.environ) == before


def test_readme_schedule_names_registered_and_links_released(namespace):
    assert readme_problems(ROOT, namespace["ASSIGNMENTS"]) == []


# --------------------------------------------------------------------------- the checks themselves
def _write_pyproject(path: Path, deps: list[str], dev: list[str]) -> None:
    quoted = lambda xs: ", ".join(f'"{x}"' for x in xs)  # noqa: E731
    path.write_text(
        f'[project]\nname = "x"\ndependencies = [{quoted(deps)}]\n'
        f"[project.optional-dependencies]\ndev = [{quoted(dev)}]\n"
    )


def _write_environment(path: Path, conda: list[str], pip: list[str]) -> None:
    path.write_text(yaml.safe_dump({"name": "x", "dependencies": ["python=3.11", "pip", *conda, {"pip": pip}]}))


def test_package_check_flags_a_package_gained_or_lost(tmp_path):
    pyproject, env = tmp_path / "pyproject.toml", tmp_path / "environment.yml"
    _write_pyproject(pyproject, ["torch>=2.2,<3", "scikit_learn>=1.4", "Jupyterlab>=4"], ["pytest-xdist>=3.5"])
    _write_environment(env, ["scikit-learn>=1.4", "jupyterlab >=4", "pytest_xdist"], ["--extra-index-url x", "torch==2.13.0", "-e ."])
    assert package_problems(pyproject, env) == []

    _write_environment(env, ["scikit-learn>=1.4", "jupyterlab", "pytest_xdist", "gensim"], ["torch", "-e ."])
    assert any("gensim" in p and "but not pyproject" in p for p in package_problems(pyproject, env))

    _write_environment(env, ["scikit-learn>=1.4", "jupyterlab"], ["torch"])
    assert any("pytest-xdist" in p and "but not environment" in p for p in package_problems(pyproject, env))

    _write_pyproject(pyproject, ["torch", "scikit-learn", "jupyterlab"], ["pytest-xdist", "gensim"])
    _write_environment(env, ["scikit-learn", "jupyterlab", "pytest-xdist"], ["torch"])
    assert any("gensim" in p for p in package_problems(pyproject, env))


def test_package_check_on_a_copy_of_the_real_files(tmp_path):
    env_text = (ROOT / "environment.yml").read_text()
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "environment.yml").write_text(env_text.replace("  - gensim", "  - gensim\n  - pandas>=2"))
    assert any("pandas" in p for p in package_problems(tmp_path / "pyproject.toml", tmp_path / "environment.yml"))
    dropped = re.sub(r"(?m)^\s*- nltk.*\n", "", env_text)
    assert dropped != env_text
    (tmp_path / "environment.yml").write_text(dropped)
    assert any("nltk" in p for p in package_problems(tmp_path / "pyproject.toml", tmp_path / "environment.yml"))


def _fake_course(root: Path, source: list[str], release: list[str]) -> None:
    for kind, names in (("source", source), ("release", release)):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for a in names:
            (root / kind / a).mkdir()
            (root / kind / a / f"{a}.ipynb").write_text("{}")


def test_readme_check_names_an_unlinked_companion_notebook(tmp_path):
    _fake_course(tmp_path, [], [])
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02_review.ipynb").write_text("{}")
    (tmp_path / "README.md").write_text("| 1 | hw01 | ... | [review](notebooks/01_other.ipynb) |\n")
    assert readme_problems(tmp_path, []) == ["README has no link to the companion notebook notebooks/02_review.ipynb"]
    (tmp_path / "README.md").write_text("| 1 | hw01 | ... | [review](notebooks/02_review.ipynb) |\n")
    assert readme_problems(tmp_path, []) == []


def test_assignment_check_with_no_assignments(tmp_path):
    _fake_course(tmp_path, [], [])
    assert assignment_problems(tmp_path, {"ASSIGNMENTS": {}}) == []
    assert assignment_problems(tmp_path, {"ASSIGNMENTS": {"hw01_x": "2027-02-05 23:59:00 UTC"}})


def test_assignment_check_with_some_assignments(tmp_path):
    due = {"hw01_a": "2027-02-05 23:59:00 UTC", "hw02_b": "2027-02-12 23:59:00 UTC"}
    _fake_course(tmp_path, ["hw01_a", "hw02_b"], ["hw01_a", "hw02_b"])
    assert assignment_problems(tmp_path, {"ASSIGNMENTS": due}) == []
    # a folder in source/ that is not registered
    (tmp_path / "source" / "hw03_c").mkdir()
    assert any("hw03_c" in p for p in assignment_problems(tmp_path, {"ASSIGNMENTS": due}))
    (tmp_path / "source" / "hw03_c").rmdir()
    # a registered assignment without its release notebook
    (tmp_path / "release" / "hw02_b" / "hw02_b.ipynb").unlink()
    assert any("release/hw02_b/hw02_b.ipynb" in p for p in assignment_problems(tmp_path, {"ASSIGNMENTS": due}))
    (tmp_path / "release" / "hw02_b" / "hw02_b.ipynb").write_text("{}")
    # schedule order
    swapped = dict(reversed(list(due.items())))
    assert any("order" in p for p in assignment_problems(tmp_path, {"ASSIGNMENTS": swapped}))


def test_assignment_check_flags_a_git_ignored_release(tmp_path):
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    _fake_course(tmp_path, ["hw01_a"], ["hw01_a"])
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("release/\n")
    problems = assignment_problems(tmp_path, {"ASSIGNMENTS": {"hw01_a": "2027-02-05 23:59:00 UTC"}})
    assert any("ignored by git" in p for p in problems)


def test_config_check_flags_a_short_timeout(tmp_path):
    config = tmp_path / "nbgrader_config.py"
    real = (ROOT / "nbgrader_config.py").read_text()
    config.write_text(re.sub(r"(?m)^c\.Execute\.timeout\s*=.*$", "c.Execute.timeout = 30", real))
    assert any("timeout" in p for p in config_problems(load_nbgrader_config(config)))
    config.write_text(re.sub(r"(?m)^c\.Execute\.timeout\s*=.*$", "", real))
    assert any("timeout" in p for p in config_problems(load_nbgrader_config(config)))


# --------------------------------------------------------------------------- the students' install
COLAB_INSTALL = re.compile(r'"nlpcourse-helpers @ git\+https://github\.com/selfsup-nlp/course\.git@([^"]+)"')


def colab_install_problems(root: Path) -> list[str]:
    """Each notebook's Colab cell installs the student set (no extra) pinned to the tag of this version."""
    version = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    notebooks = sorted((root / "source").glob("*/*.ipynb")) + sorted((root / "notebooks").glob("*.ipynb"))
    problems = []
    for path in notebooks:
        text = path.read_text()
        tags = COLAB_INSTALL.findall(text.replace('\\"', '"'))
        if tags != [f"v{version}"]:
            problems.append(f"{path.relative_to(root)}: the Colab cell should install "
                            f"'nlpcourse-helpers @ git+https://github.com/selfsup-nlp/course.git@v{version}' "
                            f"once (the tag of pyproject's version), found tags {tags}")
    return problems


def test_colab_installs_the_student_set_pinned_to_this_version():
    assert colab_install_problems(ROOT) == []
    dependencies = {_name_of(s) for s in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert not dependencies & {"nbgrader", "jupyterlab", "pytest"}, "instructor and test tools belong in an extra"


def test_colab_install_check_flags_main_and_a_stale_tag(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.2.0"\n')
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "source" / "hw01_a").mkdir(parents=True)
    cell = '"nlpcourse-helpers @ git+https://github.com/selfsup-nlp/course.git@v1.2.0"'
    (tmp_path / "source" / "hw01_a" / "hw01_a.ipynb").write_text(cell)
    assert colab_install_problems(tmp_path) == []
    (tmp_path / "notebooks" / "n.ipynb").write_text('"git+https://github.com/selfsup-nlp/course.git"')
    (tmp_path / "source" / "hw01_a" / "hw01_a.ipynb").write_text(cell.replace("v1.2.0", "v1.1.0"))
    assert len(colab_install_problems(tmp_path)) == 2
