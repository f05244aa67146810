"""helpers.distributed.launch: real gloo process groups on 127.0.0.1, errors and hangs reported, processes joined."""
import time

import pytest
import torch
import torch.distributed as dist

from helpers.distributed import DistributedError, launch


def _all_reduce_rank(offset):
    value = torch.full((3,), float(dist.get_rank() + offset))
    dist.all_reduce(value)
    return dist.get_rank(), dist.get_world_size(), value


def _fail_on_rank_one():
    if dist.get_rank() == 1:
        raise KeyError("no such shard")
    return "fine"


def _rank_zero_waits_alone():
    if dist.get_rank() == 0:
        dist.barrier()
    else:
        time.sleep(60)
    return None


def test_launch_runs_a_collective_and_returns_results_in_rank_order():
    torch.randn(300, 300) @ torch.randn(300, 300)  # the parent's thread pool is in use before the fork
    results = launch(_all_reduce_rank, world_size=2, args=(1,))
    assert [(rank, size) for rank, size, _ in results] == [(0, 2), (1, 2)]
    for _, _, value in results:
        assert torch.equal(value, torch.full((3,), 3.0))
    assert launch(_all_reduce_rank, world_size=1, args=(5,))[0][2].tolist() == [5.0, 5.0, 5.0]


def test_launch_raises_a_ranks_error_with_its_traceback():
    with pytest.raises(DistributedError, match=r"(?s)rank 1 raised:.*KeyError: 'no such shard'"):
        launch(_fail_on_rank_one, world_size=2)


def test_launch_kills_a_hung_run_and_says_why():
    start = time.monotonic()
    with pytest.raises(DistributedError, match="same collective calls"):
        launch(_rank_zero_waits_alone, world_size=2, timeout=3)
    assert time.monotonic() - start < 30


def test_launch_rejects_a_bad_world_size():
    with pytest.raises(ValueError, match="positive int"):
        launch(_fail_on_rank_one, world_size=0)


def test_launch_spawns_fresh_workers_once_cuda_is_in_use(monkeypatch):
    """After this process has used CUDA, a forked worker's backward pass fails; launch then spawns fresh workers and
    sends the worker by value, since a function typed into a notebook cannot be imported by a fresh process."""
    notebook = {"__name__": "__main__"}
    exec("import torch, torch.distributed as dist\n"
         "def notebook_worker(scale):\n"
         "    weight = torch.ones(2, requires_grad=True)\n"
         "    (weight * scale * (dist.get_rank() + 1)).sum().backward()\n"
         "    dist.all_reduce(weight.grad)\n"
         "    return weight.grad, torch.cuda.is_initialized()\n", notebook)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    results = launch(notebook["notebook_worker"], world_size=2, args=(2.0,))
    for grad, child_sees_cuda in results:
        assert torch.equal(grad, torch.full((2,), 6.0))
        assert not child_sees_cuda  # a fresh interpreter: a forked child would have kept the patched function
