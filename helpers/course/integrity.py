"""Runs inside the grading kernel: a memory cap, and a guard on the functions that test cells rely on.

nbgrader runs a student's code and the instructor's tests in one Python process, so student code can
replace ``numpy.allclose``, ``helpers.grading.check_close`` or a builtin and make a wrong answer pass.
``GuardedExecute`` (helpers/course/plugins.py) calls :func:`start` before the first cell, which records the
original objects, and :func:`after_cell` after each cell, which puts back any that were replaced and
returns what it found, so that the grading report flags the submission. Nothing here imports nbgrader.
"""
from __future__ import annotations

import gc
import importlib
import os
import sys

#: module -> attributes that test cells (directly or through helpers.grading) depend on
GUARDED = {
    "builtins": ("isinstance", "issubclass", "len", "abs", "all", "any", "float", "int", "bool", "round",
                 "sum", "min", "max", "sorted", "range", "type", "hasattr", "getattr", "tuple", "list",
                 "dict", "set", "str", "zip", "map", "repr", "AssertionError", "Exception", "__import__",
                 "__build_class__"),
    "numpy": ("allclose", "isclose", "array_equal", "array_equiv", "asarray", "array", "all", "any", "abs",
              "isfinite", "isnan", "issubdtype", "nan_to_num", "argmax", "unravel_index", "where", "ravel",
              "array2string", "errstate", "float64", "ndarray", "testing"),
    "numpy.testing": ("assert_allclose", "assert_array_equal", "assert_equal", "assert_array_almost_equal"),
    "helpers.grading": ("check_type", "check_shape", "check_dtype", "check_close", "check_equal",
                        "check_true", "_as_array", "_preview", "_is_tensor", "np"),
    "math": ("isclose", "isfinite", "isnan", "fabs"),
}
#: checked by origin only (not imported up front: torch costs seconds to import)
GUARDED_LAZY = {
    "torch": ("allclose", "isclose", "equal", "all", "any", "abs", "isfinite", "isnan", "as_tensor", "tensor",
              "is_tensor"),
    "torch.testing": ("assert_close",),
}
#: IPython hooks that can rewrite or skip the code of later cells
_HOOKS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")

_originals: dict[tuple[str, str], object] = {}
_module_files: dict[str, str | None] = {}
_hooks: dict[str, list[int]] = {}


def limit_memory(gigabytes: float) -> None:
    """Cap the kernel's data segment: a runaway allocation raises MemoryError instead of taking the
    machine (and every other grading job) down. ``gigabytes <= 0`` leaves the limit alone."""
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the grading machine's own memory is the limit
        return
    if gigabytes <= 0:
        return
    # The cap counts address space. pyarrow's default allocator (jemalloc, set up when `datasets` is imported) reserves
    # about 1 GiB of it up front without using it; the system allocator makes the cap measure what is really used.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

    limit = int(gigabytes * 2**30)
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _shell():
    """The running IPython shell (None outside a kernel)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def start(memory_gb: float = 0.0) -> None:
    """Before the first cell: cap memory, import and record every guarded object."""
    limit_memory(memory_gb)
    for module_name, names in GUARDED.items():
        module = importlib.import_module(module_name)
        _module_files[module_name] = getattr(module, "__file__", None)
        for name in names:
            if hasattr(module, name):
                _originals[(module_name, name)] = getattr(module, name)
    shell = _shell()
    if shell is not None:
        _hooks.update({hook: [id(h) for h in getattr(shell, hook, [])] for hook in _HOOKS})


def _package_dir(module) -> str | None:
    root = sys.modules.get(module.__name__.split(".")[0], module)
    path = getattr(root, "__file__", None)
    return os.path.dirname(os.path.abspath(path)) if path else None


def _foreign(module, obj) -> bool:
    """True if ``obj`` (found on ``module``) was defined outside ``module``'s package: a patch."""
    import inspect

    try:
        obj = inspect.unwrap(obj)
    except ValueError:
        return True
    code = getattr(obj, "__code__", None)
    if code is not None:
        package = _package_dir(module)
        return package is None or not os.path.abspath(code.co_filename).startswith(package)
    owner = getattr(obj, "__module__", None) or type(obj).__module__
    roots = {module.__name__.split(".")[0], "builtins", "numpy", "torch", "math", "_operator", "functools"}
    return owner.split(".")[0] not in roots or type(obj).__name__ in ("function", "partial", "method")


def _forget_last_error() -> None:
    """Drop the frames of the last traceback: they keep the failed cell's locals (say, the gigabytes a
    runaway loop allocated before MemoryError) alive for the rest of the notebook."""
    error = getattr(sys, "last_value", None) or getattr(sys, "last_exc", None)
    while error is not None:
        error.__traceback__ = None
        error = error.__context__
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            setattr(sys, name, None)
    shell = _shell()
    if shell is not None and hasattr(getattr(shell, "InteractiveTB", None), "tb"):
        shell.InteractiveTB.tb = None  # kept for %debug
    gc.collect()


def after_cell() -> list[str]:
    """After a cell: free the last error's frames, and report what student code replaced since
    :func:`start`. Recorded objects are put back."""
    _forget_last_error()
    problems = []
    for (module_name, name), original in _originals.items():
        module = sys.modules.get(module_name)
        if module is None:
            problems.append(f"module {module_name} was removed from sys.modules")
            continue
        current = getattr(module, name, None)
        if current is not original:
            problems.append(f"{module_name}.{name} was replaced")
            setattr(module, name, original)
        code = getattr(original, "__code__", None)
        if code is not None and _module_files.get(module_name) and not os.path.abspath(code.co_filename).startswith(
                os.path.dirname(os.path.abspath(_module_files[module_name]))):
            problems.append(f"the code of {module_name}.{name} was replaced")
    for module_name, names in GUARDED_LAZY.items():
        module = sys.modules.get(module_name)
        for name in names if module is not None else ():
            if hasattr(module, name) and _foreign(module, getattr(module, name)):
                problems.append(f"{module_name}.{name} was replaced")
    shell = _shell()
    if shell is not None:
        for hook, original_ids in _hooks.items():
            hooks = getattr(shell, hook, [])
            if [id(h) for h in hooks] != original_ids:
                problems.append(f"IPython {hook} were changed (code of later cells can be rewritten)")
                hooks[:] = [h for h in hooks if id(h) in original_ids]
        for alias, module_name in (("np", "numpy"), ("grading", "helpers.grading")):
            value = shell.user_ns.get(alias)
            module = sys.modules.get(module_name)
            if value is not None and module is not None and value is not module:
                problems.append(f"the name {alias!r} no longer refers to {module_name}")
                shell.user_ns[alias] = module
    return problems
