"""Start a few `torch.distributed` worker processes on this machine (gloo on 127.0.0.1) and collect their results.

Notebooks use it to run data-parallel training without a terminal: ``launch(worker, world_size=2, args=(...))`` calls
``worker(*args)`` in ``world_size`` processes, each with its process group initialised, and returns what each rank
returned, in rank order. Every process is joined or killed before it returns, and an error on any rank is raised here
with that rank's traceback.

The workers are forked, which is fast and lets ``worker`` be a function typed into a notebook. Once this process has
used CUDA, a forked child's backward pass fails (autograd's GPU threads do not survive a fork: PyTorch's "Autograd and
Fork"), so the workers are then started fresh ("spawn"), with ``worker`` and ``args`` sent by value through cloudpickle.
"""
from __future__ import annotations

import datetime
import multiprocessing
import pickle
import socket
import time
import traceback
from typing import Any, Callable


class DistributedError(RuntimeError):
    """A worker process failed, hung or could not start."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_method() -> str:
    """"fork" unless this process has initialised CUDA, after which forked workers cannot run autograd: "spawn"."""
    import torch

    return "spawn" if torch.cuda.is_initialized() else "fork"


def _run_rank(rank: int, world_size: int, port: int, timeout: float, work: bytes | tuple, connection) -> None:
    """One worker process: join the process group, run the work, send ("ok", result) or ("error", traceback)."""
    import torch
    import torch.distributed as dist

    # A forked child must not touch the parent's OpenMP thread pool (it would hang); one thread per rank is also
    # what two ranks on two cores should use.
    torch.set_num_threads(1)
    try:
        worker, args = pickle.loads(work) if isinstance(work, bytes) else work
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size,
                                timeout=datetime.timedelta(seconds=timeout))
        try:
            result = worker(*args)
        finally:
            dist.destroy_process_group()
        connection.send_bytes(pickle.dumps(("ok", result)))
    except BaseException as error:  # report every failure to the parent, which raises it
        message = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        connection.send_bytes(pickle.dumps(("error", message)))
    finally:
        connection.close()


def launch(worker: Callable[..., Any], world_size: int = 2, args: tuple = (), timeout: float = 60.0) -> list[Any]:
    """Run ``worker(*args)`` on ``world_size`` ranks of a fresh gloo process group; return the ranks' results in order.

    Inside ``worker``, ``torch.distributed.get_rank()`` and ``get_world_size()`` say which rank it is. Results travel
    back pickled (tensors by value). A rank that raises makes this raise ``DistributedError`` with its traceback; a run
    longer than ``timeout`` seconds is killed and reported the same way.
    """
    if not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size must be a positive int, got {world_size!r}.")
    if "fork" not in multiprocessing.get_all_start_methods():
        raise DistributedError("launch() forks its workers, which this operating system cannot do (Windows). Run this "
                               "part in Colab, on Linux or macOS, or in WSL.")
    method = _start_method()
    context = multiprocessing.get_context(method)
    if method == "fork":
        work: bytes | tuple = (worker, args)
    else:
        import cloudpickle

        work = cloudpickle.dumps((worker, args))
    port = free_port()
    pipes, processes = [], []
    for rank in range(world_size):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_run_rank, args=(rank, world_size, port, timeout, work, sender),
                                  daemon=True)
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    deadline = time.monotonic() + timeout + 10
    outcomes: list[tuple[str, Any] | None] = [None] * world_size
    try:
        for rank, receiver in enumerate(pipes):
            if receiver.poll(max(0.0, deadline - time.monotonic())):
                try:
                    outcomes[rank] = pickle.loads(receiver.recv_bytes())
                except EOFError:  # the process died without reporting (killed, or os._exit)
                    pass
    finally:
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()) if process.is_alive() else None)
            if process.is_alive():
                process.kill()
                process.join()
        for receiver in pipes:
            receiver.close()
    errors = []
    for rank, (outcome, process) in enumerate(zip(outcomes, processes)):
        if outcome is None:
            errors.append(f"rank {rank} returned nothing (exit code {process.exitcode}; killed after {timeout:.0f} s "
                          "if it was still running: does every rank make the same collective calls?)")
        elif outcome[0] == "error":
            errors.append(f"rank {rank} raised:\n{outcome[1]}")
    if errors:
        raise DistributedError("\n".join(errors))
    return [outcome[1] for outcome in outcomes]


__all__ = ["DistributedError", "free_port", "launch"]
