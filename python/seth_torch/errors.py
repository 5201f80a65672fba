"""One-line errors: bad input and unsupported environments exit 2, numerical failures exit 1."""

import sys

PROG = "seth_torch"


class UserError(Exception):
    """Bad input (file, option) or an unsupported environment: one line, exit 2."""

    exit_code = 2


class ComputeError(Exception):
    """The computation itself failed (a non-finite value): one line, exit 1."""

    exit_code = 1


def one_line(message: str, limit: int = 400) -> str:
    """Collapse whitespace so that an error never spans lines, and bound its length."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def report(error: Exception) -> int:
    import os

    world = os.environ.get("WORLD_SIZE", "1")
    where = f" (rank {os.environ.get('RANK', '?')} of {world})" if world not in ("", "1") else ""
    print(f"{PROG}{where}: {one_line(str(error))}", file=sys.stderr)
    return getattr(error, "exit_code", 2)
