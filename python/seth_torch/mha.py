"""The stock-module form of a workbench transformer: L layers of unmodified
torch.nn.MultiheadAttention (batch_first) with the residual, written by `seth export --format torch-mha`.

Construction (docs/interop.md proves it): embed dim E = H·m, head width m. Tokens enter padded with
zeros to E columns, h = [X, 0]. In layer ℓ, head t's rows t·m..(t+1)·m of in_proj_weight are
(s·√m)·(W_Q^t)ᵀ, (W_K^t)ᵀ, (W_V^t)ᵀ in the first m columns and zero elsewhere (the factor s·√m
cancels the module's fixed 1/√m and applies the model's scale s); out_proj.weight is [I_m … I_m]
(H identities side by side) in its first m rows, zero below, so the module's output is Σ_t head_t in
the first m columns and zero in the others. Biases are zero. The optional ReLU MLP is two stock
nn.Linear layers on the same padded space. X_L is the first m columns after the last layer.

The file is exactly `module.state_dict()` (the input X is the buffer "X") plus metadata: format,
config (JSON), fingerprint and provenance of the instance.
"""

import json

from .errors import UserError

MHA_FORMAT = "seth-workbench torch-mha v1"
CONFIG_KEYS = {"problem", "tokens", "width", "layers", "heads", "scale", "residual", "hidden", "causal"}


def _module_class():
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, embed, heads, hidden, residual, causal):
            super().__init__()
            self.attn = nn.MultiheadAttention(embed, heads, bias=True, batch_first=True)
            self.mlp = nn.Sequential(nn.Linear(embed, hidden), nn.ReLU(), nn.Linear(hidden, embed)) if hidden else None
            self.residual = residual
            self.causal = causal

        def forward(self, h):
            mask = None
            if self.causal:
                n = h.shape[-2]
                # nn.MultiheadAttention's boolean mask marks the pairs NOT attended: keys after the query.
                mask = torch.ones((n, n), dtype=torch.bool, device=h.device).triu(1)
            a, _ = self.attn(h, h, h, need_weights=False, attn_mask=mask)
            h = h + a if self.residual else a
            return self.mlp(h) if self.mlp is not None else h

    class SethMHA(nn.Module):
        """forward(x): x [n, m] or [batch, n, m] → X_L of the same shape."""

        def __init__(self, tokens, width, layers, heads, hidden, residual, causal):
            super().__init__()
            self.width = width
            self.embed = width * heads
            self.blocks = nn.ModuleList(Block(self.embed, heads, hidden[l], residual, causal) for l in range(layers))
            self.register_buffer("X", torch.zeros(tokens, width, dtype=torch.float64))

        def forward(self, x):
            single = x.dim() == 2
            h = x[None] if single else x
            h = torch.nn.functional.pad(h, (0, self.embed - self.width))
            for block in self.blocks:
                h = block(h)
            h = h[..., : self.width]
            return h[0] if single else h

    return SethMHA


def _config(meta, name):
    if meta.get("format") != MHA_FORMAT:
        raise UserError(f"{name}: metadata \"format\" is {json.dumps(meta.get('format'))}, expected \"{MHA_FORMAT}\" (a file from seth export --format torch-mha)")
    try:
        c = json.loads(meta.get("config", ""))
    except ValueError:
        raise UserError(f"{name}: metadata \"config\" is not valid JSON") from None
    if not isinstance(c, dict) or set(c) != CONFIG_KEYS:
        got = sorted(c) if isinstance(c, dict) else type(c).__name__
        raise UserError(f"{name}: config must have exactly the keys {', '.join(sorted(CONFIG_KEYS))} (got {got})")
    for k in ("tokens", "width", "layers", "heads"):
        if not isinstance(c[k], int) or isinstance(c[k], bool) or c[k] < 1:
            raise UserError(f"{name}: config.{k} is {c[k]!r}, expected a positive integer")
    if not isinstance(c["hidden"], list) or len(c["hidden"]) != c["layers"] or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in c["hidden"]):
        raise UserError(f"{name}: config.hidden must list one non-negative integer per layer (0 = no MLP)")
    for k in ("residual", "causal"):
        if not isinstance(c[k], bool):
            raise UserError(f"{name}: config.{k} is {c[k]!r}, expected true or false")
    return c


def load_mha_file(path, device="cpu", dtype=None):
    """(module, info): the module with its weights loaded, and the file's fingerprint/provenance."""
    from .env import require_torch

    torch = require_torch()
    try:
        from safetensors import safe_open

        with safe_open(path, framework="pt", device="cpu") as fh:
            meta = dict(fh.metadata() or {})
            cfg = _config(meta, path)
            state = {k: fh.get_tensor(k) for k in fh.keys()}
    except UserError:
        raise
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except Exception as e:
        raise UserError(f"{path}: not a valid safetensors file ({e})") from None
    module = _module_class()(cfg["tokens"], cfg["width"], cfg["layers"], cfg["heads"], cfg["hidden"], cfg["residual"], cfg["causal"])
    want = module.state_dict()
    missing = sorted(set(want) - set(state))
    extra = sorted(set(state) - set(want))
    if missing or extra:
        raise UserError(f"{path}: tensors do not match the module's state_dict (missing {missing[:3]}, unexpected {extra[:3]})")
    for k, t in state.items():
        if list(t.shape) != list(want[k].shape):
            raise UserError(f"{path}: tensor \"{k}\" has shape {list(t.shape)}, the module expects {list(want[k].shape)}")
    stored = next(iter(state.values())).dtype
    module = module.to(dtype=stored)
    module.load_state_dict(state, strict=True)
    module = module.to(device=device, dtype=dtype or stored).eval()
    prov = None
    if "provenance" in meta:
        try:
            p = json.loads(meta["provenance"])
            prov = p.get("from") if isinstance(p, dict) else None
        except ValueError:
            raise UserError(f"{path}: metadata \"provenance\" is not valid JSON") from None
    return module, {"fingerprint": meta.get("fingerprint"), "instance_provenance": prov, "config": cfg}


def load_mha(path, device="cpu", dtype=None):
    """The torch.nn.Module of a `seth export --format torch-mha` file; its input is `module.X`."""
    return load_mha_file(path, device=device, dtype=dtype)[0]
