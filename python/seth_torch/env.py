"""The PyTorch this package runs on: imported once, version checked before any work."""

import re
import sys

from .errors import UserError

#: `scale=` in torch.nn.functional.scaled_dot_product_attention appeared in PyTorch 2.1.
MIN_TORCH = (2, 1)


def parse_version(text: str) -> tuple:
    """'2.13.0+cpu' → (2, 13); '1.13.1' → (1, 13); None when unreadable."""
    m = re.match(r"^\s*(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def require_torch():
    """Import torch, or raise a one-line UserError saying what to install for this interpreter."""
    try:
        import torch
    except ImportError as e:
        raise UserError(
            f"PyTorch is not installed for {sys.executable} ({e}); install torch>=2.1 "
            f"(e.g. {sys.executable} -m pip install 'torch>=2.1')"
        ) from None
    version = parse_version(getattr(torch, "__version__", ""))
    if version is None or version < MIN_TORCH:
        raise UserError(
            f"PyTorch {getattr(torch, '__version__', '?')} is too old: scaled_dot_product_attention "
            f"with an explicit scale needs torch>=2.1 ({sys.executable} -m pip install -U 'torch>=2.1')"
        )
    import torch.nn.functional as F

    if not hasattr(F, "scaled_dot_product_attention"):
        raise UserError(f"this PyTorch ({torch.__version__}) has no torch.nn.functional.scaled_dot_product_attention")
    return torch
