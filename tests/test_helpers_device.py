"""Tests for helpers.device: device choice, seeding, the hardware line."""
from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch

import helpers
from helpers import device
from helpers.device import DEVICE_ENV, describe_hardware, get_device, seed_everything


@pytest.fixture(autouse=True)
def restore_global_state(monkeypatch):
    """seed_everything changes process-wide state: put it back after each test."""
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    for var in ("PYTHONHASHSEED", "CUBLAS_WORKSPACE_CONFIG"):
        monkeypatch.setenv(var, "")  # recorded, so the original value (or its absence) comes back
        monkeypatch.delenv(var)
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    states = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    yield
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn
    random.setstate(states[0])
    np.random.set_state(states[1])
    torch.set_rng_state(states[2])


# --------------------------------------------------------------------------- get_device


def test_get_device_returns_an_available_torch_device():
    chosen = get_device()
    assert isinstance(chosen, torch.device)
    assert chosen.type in ("cuda", "mps", "cpu")
    torch.zeros(2, device=chosen)  # usable
    if torch.cuda.is_available():
        assert chosen.type == "cuda"
    elif not torch.backends.mps.is_available():
        assert chosen == torch.device("cpu")


def test_package_exports_get_device():
    assert helpers.get_device is get_device


@pytest.mark.parametrize("value", ["cpu", "CPU", "  cpu\n", "cpu:0"])
def test_forced_cpu(monkeypatch, value):
    monkeypatch.setenv(DEVICE_ENV, value)
    chosen = get_device()
    assert isinstance(chosen, torch.device) and chosen.type == "cpu"


def test_empty_value_means_automatic(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "  ")
    blank = get_device()
    monkeypatch.delenv(DEVICE_ENV)
    assert blank == get_device()


@pytest.mark.parametrize("value", ["gpu", "tpu", "cuda0", "auto"])
def test_unknown_device_is_a_helpful_value_error(monkeypatch, value):
    monkeypatch.setenv(DEVICE_ENV, value)
    with pytest.raises(ValueError) as caught:
        get_device()
    message = str(caught.value)
    assert DEVICE_ENV in message and repr(value) in message
    for known in ("cuda", "mps", "cpu"):
        assert known in message
    assert "unset" in message


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("value", ["cuda", "cuda:0"])
def test_forced_cuda_without_cuda_is_a_runtime_error(monkeypatch, value):
    monkeypatch.setenv(DEVICE_ENV, value)
    with pytest.raises(RuntimeError, match="CUDA") as caught:
        get_device()
    assert DEVICE_ENV in str(caught.value) and "unset" in str(caught.value)


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has Apple MPS")
def test_forced_mps_without_mps_is_a_runtime_error(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "mps")
    with pytest.raises(RuntimeError, match="MPS"):
        get_device()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_forced_cuda_with_cuda(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cuda:0")
    assert get_device() == torch.device("cuda:0")


# --------------------------------------------------------------------------- seed_everything


def draws():
    return (
        [random.random() for _ in range(3)],
        np.random.rand(3).tolist(),
        torch.rand(3).tolist(),
        torch.randn(2, 2) @ torch.randn(2, 2),
    )


def same(a, b) -> bool:
    return a[:3] == b[:3] and torch.equal(a[3], b[3])


def test_seed_everything_makes_python_numpy_torch_repeat():
    seed_everything(123)
    first = draws()
    seed_everything(123)
    second = draws()
    assert same(first, second)
    seed_everything(124)
    assert not same(first, draws())


def test_seed_everything_returns_a_generator_that_repeats():
    rng = seed_everything(7)
    assert isinstance(rng, np.random.Generator)
    a = rng.normal(size=5)
    b = seed_everything(7).normal(size=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, seed_everything(8).normal(size=5))


def test_seed_everything_generator_is_independent_of_global_numpy_draws():
    rng_a = seed_everything(7)
    np.random.rand(100)  # the global stream moves on; the returned generator is its own
    rng_b = seed_everything(7)
    np.testing.assert_array_equal(rng_a.random(4), rng_b.random(4))


def test_seed_everything_default_seed_is_zero():
    a = seed_everything().integers(0, 10**9, size=4)
    b = seed_everything(0).integers(0, 10**9, size=4)
    np.testing.assert_array_equal(a, b)


def test_seed_everything_accepts_numpy_ints_and_large_seeds():
    np.testing.assert_array_equal(seed_everything(np.int64(5)).random(3), seed_everything(5).random(3))
    big = 2**40 + 3  # larger than numpy's legacy 32-bit seed range
    seed_everything(big)
    first = draws()
    seed_everything(big)
    assert same(first, draws())


def test_seed_everything_sets_determinism_and_hash_seed():
    seed_everything(11)
    assert os.environ["PYTHONHASHSEED"] == "11"
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_seed_everything_non_deterministic_leaves_algorithms_alone():
    torch.use_deterministic_algorithms(False)
    seed_everything(3, deterministic=False)
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("seed", [1.0, "42", None, True, [1]])
def test_seed_everything_rejects_non_int_seeds(seed):
    with pytest.raises(TypeError, match="seed must be an int"):
        seed_everything(seed)


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_seed_everything_rejects_out_of_range_seeds_clearly(seed):
    with pytest.raises(ValueError, match=r"seed must be between 0 and 2\*\*64 - 1"):
        seed_everything(seed)


# --------------------------------------------------------------------------- describe_hardware


def test_describe_hardware_is_one_line():
    line = describe_hardware()
    assert isinstance(line, str)
    assert "\n" not in line and line == line.strip()
    assert f"device={get_device().type}" in line
    assert f"torch {torch.__version__}" in line and f"numpy {np.__version__}" in line
    assert f"{os.cpu_count()} CPU cores" in line


def test_describe_hardware_follows_forced_device(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    line = describe_hardware()
    assert line.startswith("device=cpu | no GPU |")


def test_describe_hardware_reports_a_bad_setting(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "gpu")
    with pytest.raises(ValueError, match=DEVICE_ENV):
        describe_hardware()


def test_module_constants():
    assert device.DEVICE_ENV == "NLPCOURSE_DEVICE"


@pytest.mark.parametrize("seed", [5, 2**40 + 3, 2**64 - 1])
def test_seed_everything_hash_seed_lets_a_child_python_start(seed):
    import subprocess
    import sys

    seed_everything(seed)
    assert 0 <= int(os.environ["PYTHONHASHSEED"]) < 2**32
    child = subprocess.run([sys.executable, "-c", "print('ok')"], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
