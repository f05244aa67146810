"""README's "TA workflow", run as written, on a fresh copy of the repository.

The commands come from the README's code block, so the test breaks when the README and the code part ways.
Three need what a test machine has not (the JupyterHub exchange, LMS downloads, a person at the
formgrader) and are left out, saying why; submissions are placed by hand, as the README allows.
"""
from __future__ import annotations

import csv
import html
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.course import pipeline as course

ROOT = course.REPO_ROOT
ASSIGNMENT = "hw01_word_vectors"
NOT_RUN = {  # command -> why a test cannot run it
    "nbgrader collect": "needs the JupyterHub exchange",
    "nbgrader zip_collect": "needs LMS downloads",
    "jupyter lab": "needs a person at the formgrader",
    "nbgrader release_feedback": "needs the JupyterHub exchange",
}

pytestmark = [pytest.mark.pipeline, pytest.mark.xdist_group("ta-workflow")]


def readme_ta_commands(readme: str) -> list[str]:
    """The commands of the README's TA workflow block, without their comments."""
    block = re.search(r"## TA workflow\s+```bash\n(.*?)```", readme, flags=re.S)
    assert block, "README.md has no ```bash block under '## TA workflow'"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [c for c in commands if c]


def fresh_copy(target: Path) -> Path:
    """The files git would commit (tracked, and new ones not ignored), as a fresh clone has them."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "fresh"], cwd=target, check=True)
    return target


def run(command: str, cwd: Path) -> str:
    args = shlex.split(command)
    if args[0] == "python":
        args[0] = sys.executable
    elif args[0] in ("nbgrader", "jupyter"):
        args = [sys.executable, "-m", *args]
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"`{command}` failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    clone = fresh_copy(tmp_path_factory.mktemp("clone"))
    (clone / "students.csv").write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n"
                                        "alan,Alan,Turing,alan@example.org\n")
    outputs, skipped = {}, {}
    for command in readme_ta_commands((clone / "README.md").read_text()):
        why = next((reason for prefix, reason in NOT_RUN.items() if command.startswith(prefix)), None)
        if why:
            skipped[command] = why
            continue
        if command.startswith("python -m helpers.course grade"):  # submissions placed by hand, as README says
            for student, notebook in (("ada", course.notebook_path(clone, "source", ASSIGNMENT)),
                                      ("alan", course.notebook_path(clone, "release", ASSIGNMENT))):
                course.submit(clone, ASSIGNMENT, student, notebook)
        outputs[command] = run(command, clone)
    return clone, outputs, skipped


def test_every_documented_command_runs_or_says_why_not(workflow):
    _, outputs, skipped = workflow
    assert any(c.startswith("python -m helpers.course register") for c in outputs)
    assert any(c.startswith("python -m helpers.course grade") for c in outputs)
    assert set(skipped.values()) <= set(NOT_RUN.values()), skipped


def test_grade_reports_both_students_and_leaves_release_and_git_clean(workflow):
    clone, outputs, _ = workflow
    report = next(out for c, out in outputs.items() if c.startswith("python -m helpers.course grade"))
    assert re.search(r"\bada\b", report) and re.search(r"\balan\b", report), report[-2000:]
    grades = {g.grade_id: g for g in course.cell_grades(clone, ASSIGNMENT, "ada").values() if g.autograded}
    assert grades and all(g.score == g.max_score for g in grades.values()), "the solution lost points"
    assert not any(g.score for g in course.cell_grades(clone, ASSIGNMENT, "alan").values() if g.autograded)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True).stdout
    assert status == "", f"the workflow changed or left unignored files:\n{status}"


def test_feedback_has_scores_and_no_hidden_tests(workflow):
    clone, _, _ = workflow
    cells = nbformat.read(course.notebook_path(clone, "source", ASSIGNMENT), as_version=4).cells
    pattern = r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS"
    visible = {line.strip() for cell in cells for line in re.sub(pattern, "", cell.source, flags=re.S).splitlines()}
    hidden = [line.strip() for cell in cells for block in re.findall(pattern, cell.source, flags=re.S)
              for line in block.splitlines()
              if len(line.strip()) > 20 and not any(line.strip() in shown for shown in visible)]
    assert hidden  # lines only the hidden tests have (a visible line may repeat or contain a hidden one)
    for student in ("ada", "alan"):
        page = (clone / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        shown = [line for line in hidden if line in text]
        assert not shown, f"{student}'s feedback shows hidden tests: {shown[:3]}"
        assert "Score:" in text


def test_export_lists_the_students_from_the_class_list(workflow):
    clone, _, _ = workflow
    with open(clone / "grades.csv") as handle:
        rows = [r for r in csv.DictReader(handle) if r["assignment"] == ASSIGNMENT]
    names = {(r["student_id"], r["first_name"], r["last_name"]) for r in rows}
    assert {("ada", "Ada", "Lovelace"), ("alan", "Alan", "Turing")} <= names, names


def test_canvas_export_has_percentages_and_names_the_provisional_grades(workflow):
    clone, outputs, _ = workflow
    printed = next(out for c, out in outputs.items() if c.startswith("python -m helpers.course export"))
    assert f"ada {ASSIGNMENT}" in printed, "written answers are not graded yet: the export must say so"
    with open(clone / "reports" / "canvas_grades.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] and ASSIGNMENT in rows[0]
    assert rows[1][0] == "Points Possible"
    column = rows[0].index(ASSIGNMENT)
    grades = course.cell_grades(clone, ASSIGNMENT, "ada").values()
    expected = 100 * sum(g.max_score for g in grades if g.autograded) / sum(g.max_score for g in grades)
    by_login = {row[3]: row for row in rows[2:]}
    assert by_login["ada"][0] == "Lovelace, Ada" and float(by_login["ada"][column]) == pytest.approx(expected, abs=0.01)
    assert float(by_login["alan"][column]) == 0.0
