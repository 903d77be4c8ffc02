"""Big numpy arrays handed to a child process through shared memory instead of the pipe.

``multiprocessing`` pickles a spawned child's arguments in the parent before it starts: for a 2M-triangle mesh
(72 MB of vertices and faces) that is ~90 ms during which the pickling thread holds the GIL, so the GUI thread
stood still for as long (benchmarks/preview.py saw it in every arrival of a big model in the preview, whose
print check runs in a child). Copying into shared memory is done by numpy with the GIL released.
"""

from __future__ import annotations

import os
import sys
from multiprocessing import shared_memory

import numpy as np

Descriptor = tuple[str, tuple[int, ...], str]  # (block name, shape, dtype)


def share(arrays: list[np.ndarray]) -> tuple[list[shared_memory.SharedMemory], list[Descriptor]]:
    """Copy ``arrays`` into new shared memory blocks; the caller closes and unlinks the blocks when the child is
    done (``release``). The descriptors are what the child needs (small to pickle)."""
    blocks: list[shared_memory.SharedMemory] = []
    described: list[Descriptor] = []
    _check_room(sum(np.asarray(a).nbytes for a in arrays))
    try:
        for arr in arrays:
            arr = np.ascontiguousarray(arr)
            block = shared_memory.SharedMemory(create=True, size=max(1, arr.nbytes))
            blocks.append(block)
            np.ndarray(arr.shape, arr.dtype, buffer=block.buf)[...] = arr  # a plain copy: the GIL is released
            described.append((block.name, tuple(arr.shape), arr.dtype.str))
    except BaseException:
        release(blocks)
        raise
    return blocks, described


def _check_room(nbytes: int) -> None:
    """Linux keeps shared memory in /dev/shm, a tmpfs that may be small (64 MB in a container by default).
    Creating a block there succeeds whatever its size, and writing past the free space kills the process with
    SIGBUS: so the free space is checked first (OSError when short, and the caller pickles instead)."""
    if sys.platform.startswith("linux") and os.path.isdir("/dev/shm"):
        stat = os.statvfs("/dev/shm")
        free = stat.f_bavail * stat.f_frsize
        if free < nbytes + (16 << 20):  # with room to spare for others
            raise OSError(f"/dev/shm has {free >> 20} MB free, {nbytes >> 20} MB needed")


def attach(described: list[Descriptor]) -> list[np.ndarray]:
    """In the child: private copies of the shared arrays (the blocks are closed again at once)."""
    out = []
    for name, shape, dtype in described:
        block = shared_memory.SharedMemory(name=name)
        try:
            out.append(np.ndarray(shape, np.dtype(dtype), buffer=block.buf).copy())
        finally:
            block.close()
    return out


def release(blocks: list[shared_memory.SharedMemory]) -> None:
    for block in blocks:
        block.close()
        try:
            block.unlink()
        except FileNotFoundError:
            pass
