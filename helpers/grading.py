"""Checks that test cells call. Every failure says which function, what was expected and what came back."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np


def _is_tensor(value: Any) -> bool:
    return hasattr(value, "detach") and hasattr(value, "cpu")


def _as_array(value: Any) -> np.ndarray:
    if _is_tensor(value):  # torch tensor
        value = value.detach().cpu()
        try:
            value = value.numpy()
        except TypeError:  # bfloat16 / float8 have no NumPy dtype
            value = value.float().numpy()
    return np.asarray(value)


def _preview(array: np.ndarray, limit: int = 6) -> str:
    flat = np.asarray(array).ravel()
    head = np.array2string(flat[:limit], precision=5, separator=", ", max_line_width=10**6)
    return head[:-1] + ", ...]" if flat.size > limit else head


def check_type(name: str, value: Any, expected: type | tuple[type, ...]) -> None:
    """Fail with a teaching message unless ``value`` is an instance of ``expected``."""
    if not isinstance(value, expected):
        names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
        raise AssertionError(f"{name} should return {names}, but it returned {type(value).__name__}.")


def check_tuple(name: str, value: Any, length: int) -> tuple:
    """Fail unless ``value`` is a tuple (or list) of ``length`` items; return it as a tuple, ready to unpack."""
    if not isinstance(value, (tuple, list)):
        raise AssertionError(f"{name} should return a tuple of {length} values, but it returned {type(value).__name__}.")
    if len(value) != length:
        raise AssertionError(f"{name} should return {length} values, but it returned {len(value)}.")
    return tuple(value)


def check_attributes(name: str, value: Any, attributes: Sequence[str]) -> None:
    """Fail unless ``value`` has every one of ``attributes`` (e.g. the fields of a returned dataclass)."""
    missing = [a for a in attributes if not hasattr(value, a)]
    if missing:
        raise AssertionError(
            f"{name} should return an object with {', '.join(attributes)}, but it returned "
            f"{type(value).__name__}, which lacks {', '.join(missing)}."
        )


def check_shape(name: str, value: Any, expected: Sequence[int]) -> None:
    """Fail unless ``value`` has exactly the shape ``expected``."""
    if not hasattr(value, "shape"):
        raise AssertionError(
            f"{name} should return an array of shape {tuple(expected)}, but it returned {type(value).__name__}."
        )
    if tuple(value.shape) != tuple(expected):
        raise AssertionError(f"{name} returned shape {tuple(value.shape)}, expected {tuple(expected)}.")


def check_dtype(name: str, value: Any, kind: str) -> None:
    """Fail unless ``value``'s dtype is of ``kind``: 'f' floating, 'i' integer, 'b' boolean."""
    dtype = _as_array(value).dtype
    ok = {"f": np.issubdtype(dtype, np.floating), "i": np.issubdtype(dtype, np.integer), "b": dtype == np.bool_}
    if kind not in ok:
        raise ValueError(f"kind must be 'f', 'i' or 'b', got {kind!r}")
    if not ok[kind]:
        wanted = {"f": "a floating", "i": "an integer", "b": "a boolean"}[kind]
        raise AssertionError(f"{name} returned dtype {dtype}, expected {wanted} dtype.")


def check_close(
    name: str, got: Any, expected: Any, rtol: float = 1e-5, atol: float = 1e-8, hint: str = ""
) -> None:
    """Fail unless ``got`` matches ``expected`` elementwise (shape first, then values, NaN never matches)."""
    got_a, expected_a = _as_array(got), _as_array(expected)
    if got_a.shape != expected_a.shape:
        raise AssertionError(f"{name} returned shape {got_a.shape}, expected {expected_a.shape}. {hint}".rstrip())
    if not np.issubdtype(got_a.dtype, np.number) and got_a.dtype != np.bool_:
        raise AssertionError(f"{name} returned non-numeric values of dtype {got_a.dtype}. {hint}".rstrip())
    got_f, expected_f = got_a.astype(np.float64), expected_a.astype(np.float64)
    if not np.all(np.isfinite(got_f)) and np.all(np.isfinite(expected_f)):
        raise AssertionError(
            f"{name} returned non-finite values (nan or inf).\n"
            f"  expected: {_preview(expected_f)}\n"
            f"  got:      {_preview(got_f)}\n"
            f"  Look for overflow in exp or a log of zero. {hint}".rstrip()
        )
    close = np.isclose(got_f, expected_f, rtol=rtol, atol=atol)
    if not np.all(close):
        with np.errstate(invalid="ignore"):  # inf - inf is nan: count such a mismatch as the largest
            error = np.nan_to_num(np.abs(got_f - expected_f), nan=np.inf)
        error = np.where(close, -1.0, error)
        worst = np.unravel_index(np.argmax(error), got_f.shape) if got_f.ndim else ()
        raise AssertionError(
            f"{name} is not close to the expected values ({int((~close).sum())} of {close.size} differ).\n"
            f"  expected: {_preview(expected_f)}\n"
            f"  got:      {_preview(got_f)}\n"
            f"  largest mismatch at index {tuple(int(i) for i in worst)}: expected "
            f"{expected_f[worst]:.6g}, got {got_f[worst]:.6g}. {hint}".rstrip()
        )


def check_equal(name: str, got: Any, expected: Any, hint: str = "") -> None:
    """Fail unless ``got == expected`` (arrays compared elementwise, shapes must match)."""
    if any(isinstance(v, np.ndarray) or _is_tensor(v) for v in (got, expected)):
        got_a, expected_a = _as_array(got), _as_array(expected)
        if got_a.shape != expected_a.shape or not np.array_equal(got_a, expected_a):
            raise AssertionError(
                f"{name} returned {_preview(got_a)} (shape {got_a.shape}), "
                f"expected {_preview(expected_a)} (shape {expected_a.shape}). {hint}".rstrip()
            )
        return
    if got != expected:
        raise AssertionError(f"{name} returned {got!r}, expected {expected!r}. {hint}".rstrip())


def check_true(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds (an ``assert`` that survives ``python -O``)."""
    if not condition:
        raise AssertionError(message)


def check_raises(name: str, call: Callable[[], Any], error: type[BaseException], hint: str = "") -> None:
    """Fail unless ``call()`` raises ``error`` (another exception fails too, naming what was raised instead)."""
    try:
        call()
    except error:
        return
    except Exception as other:  # noqa: BLE001 - reported to the student
        raise AssertionError(f"{name} must raise {error.__name__}, but it raised {type(other).__name__}: {other}. "
                             f"{hint}".rstrip()) from other
    raise AssertionError(f"{name} must raise {error.__name__}, but it returned normally. {hint}".rstrip())


def check_runs(name: str, call: Callable[[], Any], hint: str = "") -> Any:
    """Return ``call()``; if it raises, fail with a message that names the call (the original traceback is chained)."""
    try:
        return call()
    except AssertionError:
        raise
    except Exception as error:  # noqa: BLE001 - reported to the student
        raise AssertionError(f"{name} raised {type(error).__name__}: {error}. {hint}".rstrip()) from error
