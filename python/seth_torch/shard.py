"""How one layer's work is split over the ranks of a torch.distributed job.

With P ranks and H heads:
  - H ≥ P: heads are split into P contiguous blocks (sizes differ by at most one); each rank
    computes the sum of its heads over all n query rows, and one sum all-reduce per layer adds the
    P partial sums (every rank then holds the layer's attention output);
  - H < P: every rank computes all H heads for a contiguous block of ⌈n/P⌉ query rows (keys and
    values are all n rows), and an all-gather puts the row blocks together.
P = 1 is the first case with one block.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    kind: str  # "heads" or "rows"
    heads: range
    rows: range
    #: rows of every rank's block in the "rows" case (equal sizes for the all-gather; the last
    #: rank's block may be padded).
    block: int


def layer_part(heads: int, tokens: int, rank: int, world: int) -> Part:
    if not 0 <= rank < world:
        raise ValueError(f"rank {rank} outside 0..{world - 1}")
    if heads >= world:
        base, extra = divmod(heads, world)
        start = rank * base + min(rank, extra)
        stop = start + base + (1 if rank < extra else 0)
        return Part("heads", range(start, stop), range(0, tokens), tokens)
    block = -(-tokens // world)
    start = min(tokens, rank * block)
    stop = min(tokens, start + block)
    return Part("rows", range(0, heads), range(start, stop), block)
