"""The collective operations a sharded evaluation needs, over torch.distributed (or none)."""

import os
from datetime import timedelta

from .errors import UserError


class Single:
    """One process: the collectives are identities."""

    rank = 0
    world = 1
    backend = None

    def all_reduce_sum(self, t):
        return t

    def all_gather_rows(self, part, block, tokens):
        return part

    def close(self):
        pass


class Distributed:
    """A process group set up from torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, …)."""

    def __init__(self, torch, backend: str):
        import torch.distributed as dist

        if not dist.is_available():
            raise UserError("this PyTorch build has no torch.distributed")
        self.torch = torch
        self.dist = dist
        self.backend = backend
        try:
            dist.init_process_group(backend=backend, timeout=timedelta(seconds=int(os.environ.get("SETH_TORCH_DIST_TIMEOUT", "600"))))
        except (RuntimeError, ValueError) as e:
            raise UserError(f"cannot set up torch.distributed with backend {backend} ({e})") from None
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()

    def all_reduce_sum(self, t):
        self.dist.all_reduce(t, op=self.dist.ReduceOp.SUM)
        return t

    def all_gather_rows(self, part, block, tokens):
        """Row blocks of `block` rows (the last ones padded with zeros) → the full [tokens, m]."""
        torch = self.torch
        padded = torch.zeros((block, part.shape[1]), dtype=part.dtype, device=part.device)
        padded[: part.shape[0]] = part
        out = [torch.empty_like(padded) for _ in range(self.world)]
        self.dist.all_gather(out, padded)
        return torch.cat(out)[:tokens]

    def close(self):
        self.dist.destroy_process_group()


def world_from_env() -> int:
    """WORLD_SIZE as torchrun sets it; 1 when the process was not started by a launcher."""
    raw = os.environ.get("WORLD_SIZE")
    if raw is None:
        return 1
    try:
        w = int(raw)
    except ValueError:
        raise UserError(f"WORLD_SIZE is {raw!r}, expected a positive integer") from None
    if w < 1:
        raise UserError(f"WORLD_SIZE is {w}, expected a positive integer")
    return w
