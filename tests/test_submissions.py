"""The robustness batch's choice of targets (tests/submissions.py): the function whose breaking touches fewest cells."""
from __future__ import annotations

import nbformat

from tests import submissions as sub


def _answer(source: str, grade_id: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": grade_id}})


def _test(source: str, grade_id: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"solution": False, "grade": True, "grade_id": grade_id,
                                                                    "points": 1}})


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _answer("def loss(x):\n    return x", "loss"),
        _test("loss(1)", "test_loss"),
        _answer("def step(x):\n    return loss(x) + 1", "step"),  # calls loss: every caller of step reaches loss
        _test("step(1)", "test_step"),
        _test("step(2)", "test_step_type"),
        nbformat.v4.new_code_cell("for _ in range(3):\n    step(0)"),
        _answer("def other(x):\n    return 2 * x", "other"),
        _test("other(1)", "test_other"),
        nbformat.v4.new_code_cell("other(3)"),
    ]
    return nb


def test_later_uses_follow_calls_through_later_answers():
    nb = _notebook()
    assert sub.later_uses(nb, 0, "loss") == 5  # its test, step's definition, and the three cells that call step
    assert sub.later_uses(nb, 2, "step") == 3
    assert sub.later_uses(nb, 6, "other") == 2


def test_function_answers_puts_the_least_used_function_first():
    assert [name for _, name, _ in sub.function_answers(_notebook())] == ["other", "step", "loss"]
