"""X_L of a workbench transformer with torch.nn.functional.scaled_dot_product_attention.

Per layer ℓ (the workbench's model, with the scale passed explicitly, never SDPA's 1/√E default):

    A = Σ_h softmax(s · (X W_Q^h)(X W_K^h)ᵀ [+ causal mask]) (X W_V^h)
    Y = X + A  (A alone without the residual);   X ← relu(Y W1 + b1) W2 + b2  (or Y)

The heads a rank owns go through SDPA as one batch [h, rows, m]; query rows go in chunks of c rows,
so that the live memory of one layer on one rank, in elements of the compute dtype, is at most

    3·h·m² (weights) + 2·h·n·m (K, V) + h·c·(2m + n) (Q, scores, head outputs) + 3·n·m (X, A, Y)
    (+ n·hidden for the MLP; + c·n bytes of mask for a causal model)

where the h·c·n scores term is what the chunking bounds: c is chosen so that h·c·n elements fit
in `score_bytes` (or given). Flash kernels never hold the scores; the bound covers the math kernel.
"""

from .errors import ComputeError, UserError
from .model import head_name, mlp_name
from .shard import layer_part

DTYPES = {"f64": "float64", "f32": "float32", "bf16": "bfloat16", "f16": "float16"}


def torch_dtype(torch, name: str):
    if name not in DTYPES:
        raise UserError(f"dtype {name!r} not supported; expected one of {', '.join(DTYPES)}")
    return getattr(torch, DTYPES[name])


def chunk_rows(heads: int, tokens: int, rows: int, itemsize: int, score_bytes: int, fixed=None) -> int:
    if fixed is not None:
        return max(1, min(fixed, max(rows, 1)))
    per_row = max(1, heads * tokens * itemsize)
    return max(1, min(max(rows, 1), score_bytes // per_row))


def _first_bad(torch, O, rows, layer, heads):
    """Name the first non-finite entry of head outputs O [h, c, m] (heads[i] is O[i]'s head)."""
    bad = (~torch.isfinite(O)).nonzero()[0].tolist()
    raise ComputeError(f"non-finite attention output at layer {layer + 1}, head {heads[bad[0]] + 1}, row {rows[bad[1]]} (column {bad[2]}); the computation overflowed in this dtype")


def padded_width(m: int, multiple: int) -> int:
    return -(-m // multiple) * multiple


def evaluate(f, torch, *, device, dtype, comm, score_bytes=256 * 2**20, rows_per_chunk=None, progress=None, per_head=False, pad_to=1):
    """Return (X_L [n, m], per-head outputs [L, H, n, m] or None) on `device` in `dtype`; every rank
    holds X_L. `f` is a TransformerFile. Per-head outputs need one process (they are not gathered).

    `pad_to`: the head width SDPA sees is m rounded up to a multiple of it, by zero columns appended
    to W_Q, W_K, W_V (zero query/key columns add exact zeros to every score; zero value columns give
    zero output columns, dropped). PyTorch's fused CUDA kernels (flash, memory-efficient) need a head
    width that is a multiple of 8; without it SDPA falls back to its math kernel."""
    import torch.nn.functional as F

    cfg = f.config
    n, m, L, H = cfg.tokens, cfg.width, cfg.layers, cfg.heads
    itemsize = torch.empty((), dtype=dtype).element_size()

    def load(key):
        return f.tensor(key).to(device=device, dtype=dtype)

    if per_head and comm.world > 1:
        raise UserError("per-head outputs are computed by one process; run without a launcher")
    heads_out = torch.empty((L, H, n, m), dtype=dtype, device=device) if per_head else None
    with torch.no_grad():
        X = load("X")
        for l in range(L):
            part = layer_part(H, n, comm.rank, comm.world)
            hs = list(part.heads)
            A = None
            if hs and len(part.rows) > 0:
                mp = padded_width(m, pad_to)

                def stacked(w):  # [h, m, mp]: the heads' matrices, zero columns beyond m
                    out = torch.zeros((len(hs), m, mp), dtype=dtype, device=device)
                    for i, h in enumerate(hs):
                        out[i, :, :m] = load(head_name(l, h, w))
                    return out

                WQ, WK, WV = stacked("W_Q"), stacked("W_K"), stacked("W_V")
                K = torch.matmul(X, WK)  # [h, n, m]
                V = torch.matmul(X, WV)
                del WK, WV
                r0, r1 = part.rows.start, part.rows.stop
                c = chunk_rows(len(hs), n, r1 - r0, itemsize, score_bytes, rows_per_chunk)
                A = torch.empty((r1 - r0, m), dtype=dtype, device=device)
                for a in range(r0, r1, c):
                    b = min(r1, a + c)
                    Q = torch.matmul(X[a:b], WQ)  # [h, b-a, m]
                    if cfg.causal:
                        # Query i sees keys j ≤ i: keys beyond the chunk's last row are never seen.
                        keep = torch.arange(a, b, device=device)[:, None] >= torch.arange(b, device=device)[None, :]
                        O = F.scaled_dot_product_attention(Q, K[:, :b], V[:, :b], attn_mask=keep, dropout_p=0.0, is_causal=False, scale=cfg.scale)
                    else:
                        O = F.scaled_dot_product_attention(Q, K, V, attn_mask=None, dropout_p=0.0, is_causal=False, scale=cfg.scale)
                    if not bool(torch.isfinite(O).all()):
                        _first_bad(torch, O, range(a, b), l, hs)
                    O = O[..., :m]
                    A[a - r0 : b - r0] = O.sum(dim=0)
                    if heads_out is not None:
                        heads_out[l, :, a:b] = O
                    del Q, O
                del WQ, K, V
            if part.kind == "heads":
                if A is None:
                    A = torch.zeros((n, m), dtype=dtype, device=device)
                A = comm.all_reduce_sum(A)
            else:
                if A is None:
                    A = torch.zeros((0, m), dtype=dtype, device=device)
                A = comm.all_gather_rows(A, part.block, n)
            Y = X + A if cfg.residual else A
            del A
            if cfg.mlp == "relu":
                Y = torch.relu(Y @ load(mlp_name(l, "W1")) + load(mlp_name(l, "b1"))) @ load(mlp_name(l, "W2")) + load(mlp_name(l, "b2"))
            if not bool(torch.isfinite(Y).all()):
                row = int((~torch.isfinite(Y)).nonzero()[0, 0])
                raise ComputeError(f"non-finite value in the output of layer {l + 1}, row {row} (after the sum of heads{', residual' if cfg.residual else ''}{' and MLP' if cfg.mlp == 'relu' else ''})")
            X = Y
            if progress:
                progress((l + 1) * H, L * H)
    return X, heads_out
