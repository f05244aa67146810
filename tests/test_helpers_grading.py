"""Tests for helpers.grading (the checks test cells call) and helpers.progress (silent under nbgrader)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import helpers
from helpers.grading import (
    check_attributes, check_close, check_dtype, check_equal, check_raises, check_runs, check_shape, check_true,
    check_tuple, check_type,
)


def fails(check, *args, **kwargs) -> str:
    """Run a check that must fail; return its message."""
    with pytest.raises(AssertionError) as caught:
        check(*args, **kwargs)
    return str(caught.value)


# --------------------------------------------------------------------------- check_tuple, check_attributes


def test_check_tuple_returns_a_tuple_ready_to_unpack():
    mean, var = check_tuple("categorical_mean_var", [1.0, 2.0], 2)
    assert (mean, var) == (1.0, 2.0)


@pytest.mark.parametrize("value, words", [(None, "a tuple of 2 values, but it returned NoneType"),
                                          ("ab", "a tuple of 2 values, but it returned str"),
                                          ((1, 2, 3), "should return 2 values, but it returned 3")])
def test_check_tuple_explains_what_came_back(value, words):
    assert words in fails(check_tuple, "categorical_mean_var", value, 2)


def test_check_attributes_names_the_missing_fields():
    class Vocab:
        itos = []

    check_attributes("build_vocab", Vocab(), ("itos",))
    message = fails(check_attributes, "build_vocab", Vocab(), ("itos", "stoi", "counts"))
    assert "build_vocab" in message and "lacks stoi, counts" in message and "Vocab" in message
    assert "NoneType" in fails(check_attributes, "build_vocab", None, ("itos",))


# --------------------------------------------------------------------------- check_type


@pytest.mark.parametrize("value,expected", [([1], list), ((1,), tuple), (1, (int, float)), (np.zeros(2), np.ndarray),
                                            (torch.zeros(2), torch.Tensor), (True, int)])
def test_check_type_passes(value, expected):
    check_type("build_vocab", value, expected)


def test_check_type_names_function_expected_and_got():
    message = fails(check_type, "build_vocab", (1, 2), list)
    assert message == "build_vocab should return list, but it returned tuple."


def test_check_type_with_several_types():
    message = fails(check_type, "score", "0.5", (int, float))
    assert "score" in message and "int or float" in message and "str" in message


def test_check_type_none():
    assert "NoneType" in fails(check_type, "forward", None, torch.Tensor)


# --------------------------------------------------------------------------- check_shape


@pytest.mark.parametrize("value", [np.zeros((2, 3)), torch.zeros(2, 3), np.zeros((2, 3), dtype=bool)])
def test_check_shape_passes(value):
    check_shape("embed", value, (2, 3))
    check_shape("embed", value, [2, 3])


def test_check_shape_scalar():
    check_shape("loss", np.float64(1.0), ())
    check_shape("loss", torch.tensor(1.0), ())


def test_check_shape_mismatch_names_function_expected_and_got():
    message = fails(check_shape, "embed", np.zeros((3, 2)), (2, 3))
    assert message == "embed returned shape (3, 2), expected (2, 3)."


def test_check_shape_torch_mismatch_shows_plain_tuples():
    message = fails(check_shape, "attention", torch.zeros(4, 5, 5), (4, 5))
    assert "attention" in message and "(4, 5, 5)" in message and "(4, 5)" in message
    assert "torch.Size" not in message


def test_check_shape_of_a_list_says_what_came_back():
    message = fails(check_shape, "embed", [[0.0, 1.0]], (1, 2))
    assert "embed" in message and "(1, 2)" in message and "list" in message


# --------------------------------------------------------------------------- check_dtype


@pytest.mark.parametrize("value,kind", [
    (np.zeros(2, np.float32), "f"), (np.zeros(2), "f"), (torch.zeros(2), "f"), (torch.zeros(2, dtype=torch.float16), "f"),
    (torch.zeros(2, dtype=torch.bfloat16), "f"), (np.zeros(2, np.int32), "i"), (torch.zeros(2, dtype=torch.long), "i"),
    ([1, 2], "i"), (np.zeros(2, bool), "b"), (torch.zeros(2, dtype=torch.bool), "b"), (np.uint8(3), "i"), (2.5, "f"),
])
def test_check_dtype_passes(value, kind):
    check_dtype("f", value, kind)


@pytest.mark.parametrize("value,kind,got,wanted", [
    (np.zeros(2, np.int64), "f", "int64", "a floating"),
    (np.zeros(2), "i", "float64", "an integer"),
    (np.zeros(2, np.int8), "b", "int8", "a boolean"),
    (torch.zeros(2, dtype=torch.long), "f", "int64", "a floating"),
    (torch.zeros(2, dtype=torch.bfloat16), "i", "float32", "an integer"),
    (np.array(["a"]), "f", "<U1", "a floating"),
])
def test_check_dtype_mismatch_names_function_expected_and_got(value, kind, got, wanted):
    message = fails(check_dtype, "one_hot", value, kind)
    assert message == f"one_hot returned dtype {got}, expected {wanted} dtype."


def test_check_dtype_bad_kind_is_a_value_error():
    with pytest.raises(ValueError, match="kind must be"):
        check_dtype("f", np.zeros(2), "float")


# --------------------------------------------------------------------------- check_close: passing


@pytest.mark.parametrize("got,expected", [
    (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
    (np.array([1.0, 2.0]) + 1e-9, [1.0, 2.0]),
    ([[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]])),
    (np.float64(0.5), 0.5),  # 0-d
    (np.array(0.5), np.float32(0.5)),
    (3, 3.0),  # python ints
    (3, 3),
    (np.int64(7), 7),
    (torch.tensor([0.1, 0.2]), np.array([0.1, 0.2])),  # float32 tensor vs float64 array
    (torch.tensor(2.0), 2.0),  # 0-d tensor
    (torch.tensor([1.0, 2.0], requires_grad=True) * 1, [1.0, 2.0]),  # needs detach
    (torch.tensor([1.0, 2.0], dtype=torch.bfloat16), [1.0, 2.0]),  # no numpy dtype
    (torch.tensor([1, 2]), torch.tensor([1.0, 2.0])),
    (np.array([True, False]), np.array([True, False])),  # bool arrays
    (np.array([True, False]), [1, 0]),
    (torch.tensor([True, False]), [True, False]),
    (np.zeros((0, 3)), np.zeros((0, 3))),  # empty
    (np.array([np.inf, -np.inf, 1.0]), [np.inf, -np.inf, 1.0]),
])
def test_check_close_passes(got, expected):
    check_close("softmax", got, expected)


def test_check_close_tolerances():
    check_close("f", [1.001], [1.0], rtol=1e-2)
    check_close("f", [1e-9], [0.0])  # default atol
    message = fails(check_close, "f", [1.001], [1.0], rtol=1e-5)
    assert "f is not close" in message


# --------------------------------------------------------------------------- check_close: failing


def test_check_close_shape_mismatch():
    message = fails(check_close, "softmax", np.zeros((2, 3)), np.zeros((3, 2)), hint="Check the axis.")
    assert message == "softmax returned shape (2, 3), expected (3, 2). Check the axis."


def test_check_close_scalar_vs_vector_is_a_shape_mismatch():
    message = fails(check_close, "loss", np.array([0.5]), 0.5)
    assert "loss" in message and "(1,)" in message and "()" in message


def test_check_close_values_show_expected_got_and_worst_index():
    message = fails(check_close, "softmax", [[0.1, 0.2], [0.3, 0.9]], [[0.1, 0.2], [0.3, 0.4]])
    assert message.startswith("softmax is not close to the expected values (1 of 4 differ).")
    assert "expected: [0.1, 0.2, 0.3, 0.4]" in message
    assert "got:      [0.1, 0.2, 0.3, 0.9]" in message
    assert "largest mismatch at index (1, 1): expected 0.4, got 0.9." in message


def test_check_close_reports_the_largest_of_several_mismatches():
    message = fails(check_close, "f", [1.0, 5.0, 3.5], [2.0, 2.0, 3.0])
    assert "(3 of 3 differ)" in message
    assert "index (1,): expected 2, got 5" in message


def test_check_close_zero_d_mismatch():
    message = fails(check_close, "loss", np.float32(0.25), 0.5)
    assert "loss is not close" in message and "(1 of 1 differ)" in message
    assert "expected 0.5, got 0.25" in message


@pytest.mark.parametrize("got", [3, np.int64(3), torch.tensor(3)])
def test_check_close_int_mismatch(got):
    message = fails(check_close, "count", got, 4)
    assert "count" in message and "expected 4, got 3" in message


def test_check_close_torch_mismatch():
    message = fails(check_close, "forward", torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 2.5]]))
    assert "forward" in message and "index (0, 1): expected 2.5, got 2" in message
    assert "tensor" not in message


def test_check_close_bool_mismatch():
    message = fails(check_close, "mask", np.array([True, False, True]), np.array([True, True, True]))
    assert "mask" in message and "(1 of 3 differ)" in message and "index (1,): expected 1, got 0" in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_close_non_finite_shows_expected_and_got(bad):
    message = fails(check_close, "log_softmax", [0.0, bad, -1.0], [0.0, -2.0, -1.0])
    assert message.startswith("log_softmax returned non-finite values (nan or inf).")
    lines = message.splitlines()
    assert lines[1] == "  expected: [ 0., -2., -1.]"
    assert lines[2].startswith("  got:      [") and str(bad) in lines[2]
    assert "overflow" in message


def test_check_close_nan_never_matches_nan():
    message = fails(check_close, "f", [np.nan, 1.0], [np.nan, 1.0])
    assert "f is not close" in message and "(1 of 2 differ)" in message


def test_check_close_infinite_mismatch_points_at_the_real_mismatch():
    message = fails(check_close, "f", [np.inf, 1.0], [np.inf, 2.0])
    assert "index (1,): expected 2, got 1" in message
    message = fails(check_close, "f", [1.0, np.inf], [1.0, -np.inf])
    assert "index (1,): expected -inf, got inf" in message


def test_check_close_non_numeric():
    message = fails(check_close, "tokenize", ["a", "b"], [1.0, 2.0])
    assert "tokenize" in message and "non-numeric" in message
    assert "non-numeric" in fails(check_close, "f", None, 1.0)


def test_check_close_long_arrays_are_previewed_on_one_line_each():
    got = np.array([1.234567e10, -2.345678e12, 3.1234567, 4.1234567, -5.1234567e-7, 6.1234567, 7.0, 8.0])
    message = fails(check_close, "f", got, np.zeros(8))
    lines = message.splitlines()
    assert len(lines) == 4, message
    assert lines[1].startswith("  expected: [") and lines[1].endswith(", ...]")
    assert lines[2].startswith("  got:      [") and lines[2].endswith(", ...]")
    assert "8 of 8 differ" in lines[0]
    assert "index (1,)" in lines[3]


def test_check_close_hint_is_appended():
    message = fails(check_close, "f", [1.0], [2.0], hint="Did you forget to normalise?")
    assert message.endswith("Did you forget to normalise?")


# --------------------------------------------------------------------------- check_equal


@pytest.mark.parametrize("got,expected", [
    (3, 3), ("cat", "cat"), ([1, 2], [1, 2]), ({"a": 1}, {"a": 1}), (np.array([1, 2]), np.array([1, 2])),
    (np.array([1, 2]), [1, 2]), ([1, 2], np.array([1, 2])), (torch.tensor([1, 2]), torch.tensor([1, 2])),
    (torch.tensor([1, 2]), [1, 2]), (torch.tensor([1, 2]), np.array([1, 2])), (np.array(["a", "b"]), ["a", "b"]),
    (torch.tensor(5), 5),
])
def test_check_equal_passes(got, expected):
    check_equal("vocab", got, expected)


def test_check_equal_scalar_mismatch():
    assert fails(check_equal, "count", 3, 4) == "count returned 3, expected 4."
    assert fails(check_equal, "word", "cats", "cat", hint="Strip the plural.") == (
        "word returned 'cats', expected 'cat'. Strip the plural."
    )


def test_check_equal_list_mismatch():
    message = fails(check_equal, "tokens", ["a", "b"], ["a", "c"])
    assert message == "tokens returned ['a', 'b'], expected ['a', 'c']."


def test_check_equal_array_value_mismatch():
    message = fails(check_equal, "argmax", np.array([0, 2, 1]), np.array([0, 1, 1]))
    assert message == "argmax returned [0, 2, 1] (shape (3,)), expected [0, 1, 1] (shape (3,))."


def test_check_equal_array_shape_mismatch():
    message = fails(check_equal, "argmax", np.array([[0, 1]]), np.array([0, 1]))
    assert "argmax" in message and "(shape (1, 2))" in message and "(shape (2,))" in message


@pytest.mark.parametrize("got,expected", [(torch.tensor([1, 2]), torch.tensor([1, 3])),
                                          (torch.tensor([1, 2]), [1, 3]),
                                          ([1, 2], torch.tensor([1, 3]))])
def test_check_equal_torch_mismatch_is_an_assertion(got, expected):
    message = fails(check_equal, "predict", got, expected)
    assert "predict returned [1, 2]" in message and "expected [1, 3]" in message


def test_check_equal_tensor_shape_mismatch():
    message = fails(check_equal, "predict", torch.tensor([[1, 2]]), torch.tensor([1, 2]))
    assert "(shape (1, 2))" in message and "(shape (2,))" in message


# --------------------------------------------------------------------------- check_true


def test_check_true():
    check_true(True, "unused")
    check_true(np.bool_(True), "unused")
    assert fails(check_true, False, "perplexity should fall during training") == (
        "perplexity should fall during training"
    )
    assert fails(check_true, np.bool_(False), "m") == "m"


def test_check_raises():
    def odd_dimension():
        raise ValueError("d must be even")

    check_raises("sinusoidal_positions(4, 5)", odd_dimension, ValueError)
    assert fails(check_raises, "sinusoidal_positions(4, 5)", lambda: 0, ValueError, hint="Check d % 2.") == (
        "sinusoidal_positions(4, 5) must raise ValueError, but it returned normally. Check d % 2."
    )
    message = fails(check_raises, "f()", lambda: [][1], ValueError)
    assert message == "f() must raise ValueError, but it raised IndexError: list index out of range."
    with pytest.raises(KeyboardInterrupt):  # not an Exception: never swallowed
        check_raises("f()", lambda: (_ for _ in ()).throw(KeyboardInterrupt), ValueError)


def test_check_runs_returns_the_value_or_names_the_failing_call():
    assert check_runs("Block(8, 2)(x)", lambda: (1, None)) == (1, None)
    with pytest.raises(AssertionError) as caught:
        check_runs("Block(8, 2)(x)", lambda: None.shape, hint="Make the attention tests pass first.")
    assert str(caught.value) == ("Block(8, 2)(x) raised AttributeError: 'NoneType' object has no attribute 'shape'. "
                                 "Make the attention tests pass first.")
    assert isinstance(caught.value.__cause__, AttributeError)  # the student's traceback stays attached
    assert fails(check_runs, "f()", lambda: check_true(False, "inner check")) == "inner check"


# --------------------------------------------------------------------------- progress / autograding


def test_autograding_follows_nbgrader_execution(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert helpers.autograding() is False
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert helpers.autograding() is True
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert helpers.autograding() is True
    monkeypatch.setenv("NBGRADER_EXECUTION", "")
    assert helpers.autograding() is False


def test_progress_is_silent_under_nbgrader(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    bar = helpers.progress(range(5), desc="epochs")
    assert bar.disable is True
    assert list(bar) == [0, 1, 2, 3, 4]
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_shows_outside_nbgrader(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    bar = helpers.progress(range(3), desc="epochs")
    assert bar.disable is False
    assert list(bar) == [0, 1, 2]
    assert "epochs" in capsys.readouterr().err


def test_progress_explicit_disable_wins(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert helpers.progress([1], disable=True).disable is True
    assert helpers.progress([1], disable=False).disable is False
