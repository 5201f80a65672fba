"""seth_torch: run seth-workbench transformer exports on PyTorch.

    python -m seth_torch MODEL.safetensors -o X_L.npy [--device cpu|cuda] [--dtype f64|f32|bf16|f16]
    torchrun --nproc-per-node P -m seth_torch MODEL.safetensors -o X_L.npy   # sharded

`load_mha(path)` returns the stock torch.nn.MultiheadAttention stack of a
`seth export --format torch-mha` file. Importing the package does not import torch.
"""

__version__ = "0.1.0"


def load_mha(path, device="cpu", dtype=None):
    """The nn.Module of a `seth export --format torch-mha` file (see seth_torch.mha)."""
    from .mha import load_mha as _load

    return _load(path, device=device, dtype=dtype)


__all__ = ["__version__", "load_mha"]
