"""Device selection, seeding and a one-line hardware description."""
from __future__ import annotations

import os
import platform
import random
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

DEVICE_ENV = "NLPCOURSE_DEVICE"
_KNOWN_DEVICES = ("cuda", "mps", "cpu")


def get_device() -> "torch.device":
    """Return the best available torch device: CUDA, then Apple MPS, then CPU.

    Set ``NLPCOURSE_DEVICE=cpu`` (or ``cuda``, ``mps``) to force one.
    """
    import torch

    forced = os.environ.get(DEVICE_ENV, "").strip().lower()
    if forced:
        kind = forced.split(":")[0]
        if kind not in _KNOWN_DEVICES:
            raise ValueError(
                f"{DEVICE_ENV}={forced!r} is not a device this course knows; "
                f"use one of {', '.join(_KNOWN_DEVICES)} or unset it."
            )
        if kind == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"{DEVICE_ENV}={forced!r} but torch sees no CUDA GPU; unset it to use the CPU.")
        if kind == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError(f"{DEVICE_ENV}={forced!r} but Apple MPS is not available; unset it to use the CPU.")
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0, deterministic: bool = True) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a fresh ``np.random.Generator`` for the notebook.

    With ``deterministic=True`` torch is asked for deterministic kernels (warn-only, so an
    operation without a deterministic implementation still runs).
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    seed = int(seed)  # random.seed rejects NumPy integers
    if not 0 <= seed < 2**64:  # the range torch.manual_seed accepts (and default_rng takes no negatives)
        raise ValueError(f"seed must be between 0 and 2**64 - 1, got {seed}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    os.environ["PYTHONHASHSEED"] = str(seed % 2**32)  # a child Python refuses to start with a larger one
    try:
        import torch
    except ImportError:  # the numpy-only assignments run without torch
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)


def describe_hardware() -> str:
    """One line naming the device, CPU cores and library versions, for a notebook's first cell."""
    import torch

    device = get_device()
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        memory = torch.cuda.get_device_properties(device).total_memory / 2**30
        accel = f"GPU {name} ({memory:.0f} GiB)"
    elif device.type == "mps":
        accel = "Apple MPS"
    else:
        accel = "no GPU"
    return (
        f"device={device.type} | {accel} | {os.cpu_count()} CPU cores | "
        f"python {platform.python_version()} | numpy {np.__version__} | torch {torch.__version__}"
    )
