#!/usr/bin/env python3
"""Evaluate a seth-workbench transformer with PyTorch and write X_L as .npy.

    seth export INSTANCE.json --format safetensors -o model.safetensors
    python3 interop/run_torch.py model.safetensors -o X_L.npy [--device auto|cpu|cuda] [--dtype f32|f64]
    seth check INSTANCE.json --output X_L.npy

Input: a safetensors file written by `seth export` (metadata format "seth-workbench transformer v1",
form "sum-of-heads (W_O folded into W_V)"). Tensors: X [n, m]; layers.L.heads.H.W_Q|W_K|W_V [m, m];
layers.L.mlp.W1 [m, h], b1 [h], W2 [h, m], b2 [m] when config.mlp is "relu".

Computation (shared/docs/model.md section 1), with the scale passed explicitly (never the
1/sqrt(E) default of PyTorch) and full, non-causal attention:

    for each layer:  A = sum_h scaled_dot_product_attention(X W_Q^h, X W_K^h, X W_V^h, scale=s)
                     Y = X + A  (or A when config.residual is false)
                     X = relu(Y W1 + b1) W2 + b2  (or Y when there is no MLP)

All heads of a layer go through one scaled_dot_product_attention call as a batch [H, n, m].
Runs on CUDA when available (--device auto), else on the CPU; TF32 is switched off so that float32
means float32. Output: X_L.npy (C order, little-endian, float32 or float64) and a sidecar
X_L.npy.json with the instance's fingerprint and provenance (copied from the model's metadata) so
that `seth check --output` can tell which instance the output belongs to.

Needs PyTorch >= 2.1 (the `scale` argument of scaled_dot_product_attention) and numpy. The file is
parsed here (json + numpy), so the `safetensors` package is not needed.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

FORMAT = "seth-workbench transformer v1"
FORM = "sum-of-heads (W_O folded into W_V)"
OUTPUT_FORMAT = "seth-workbench output v1"
DTYPES = {"F32": "<f4", "F64": "<f8"}


def fail(message):
    print(f"run_torch.py: {message}", file=sys.stderr)
    sys.exit(2)


def load_safetensors(path):
    """Return (metadata, {name: numpy array}) after checking the layout."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > 100 * 1024 * 1024 or 8 + n > len(data):
        fail(f"{path}: bad header length {n}")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] not in DTYPES:
            fail(f"{path}: tensor {name} has dtype {entry['dtype']}, expected F32 or F64")
        dt = np.dtype(DTYPES[entry["dtype"]])
        begin, end = entry["data_offsets"]
        count = (end - begin) // dt.itemsize
        arr = np.frombuffer(data, dtype=dt, count=count, offset=base + begin)
        tensors[name] = arr.reshape(entry["shape"])
    return meta, tensors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="safetensors file from `seth export --format safetensors`")
    ap.add_argument("-o", "--output", required=True, help="X_L .npy file to write")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--dtype", default="f32", choices=["f32", "f64"], help="arithmetic (default f32)")
    args = ap.parse_args()

    import torch
    import torch.nn.functional as F

    meta, t = load_safetensors(args.model)
    if meta.get("format") != FORMAT or meta.get("form") != FORM:
        fail(f"{args.model}: not a seth-workbench transformer in {FORM!r} form (metadata format={meta.get('format')!r})")
    cfg = json.loads(meta["config"])
    scale = float(meta["scale"])
    n, m, L, H = cfg["tokens"], cfg["width"], cfg["layers"], cfg["heads"]

    if args.device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        device = args.device
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    dtype = torch.float32 if args.dtype == "f32" else torch.float64

    def get(name):
        return torch.from_numpy(np.ascontiguousarray(t[name])).to(device=device, dtype=dtype)

    with torch.no_grad():
        X = get("X")
        if tuple(X.shape) != (n, m):
            fail(f"{args.model}: X has shape {tuple(X.shape)}, config says ({n}, {m})")
        for l in range(L):
            WQ = torch.stack([get(f"layers.{l}.heads.{h}.W_Q") for h in range(H)])  # [H, m, m]
            WK = torch.stack([get(f"layers.{l}.heads.{h}.W_K") for h in range(H)])
            WV = torch.stack([get(f"layers.{l}.heads.{h}.W_V") for h in range(H)])
            Q, K, V = X @ WQ, X @ WK, X @ WV  # [H, n, m] each
            heads = F.scaled_dot_product_attention(Q, K, V, attn_mask=None, dropout_p=0.0, is_causal=False, scale=scale)
            Y = heads.sum(dim=0)
            if cfg["residual"]:
                Y = Y + X
            if cfg["mlp"] == "relu":
                p = f"layers.{l}.mlp."
                Y = torch.relu(Y @ get(p + "W1") + get(p + "b1")) @ get(p + "W2") + get(p + "b2")
            X = Y
        out = X.cpu().numpy().astype("<f4" if args.dtype == "f32" else "<f8", copy=False)

    out = np.ascontiguousarray(out)
    tmp = f"{args.output}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        np.save(f, out)
    os.replace(tmp, args.output)

    provenance = json.loads(meta["provenance"]) if "provenance" in meta else None
    sidecar = {
        "format": OUTPUT_FORMAT,
        "tensor": "X_L",
        "dtype": args.dtype,
        "shape": [n, m],
        "instance_fingerprint": meta.get("fingerprint"),
        # The exported file's provenance records the instance it came from under "from".
        "instance_provenance": provenance.get("from") if isinstance(provenance, dict) else None,
        "computed_by": {
            "tool": "interop/run_torch.py",
            "torch": torch.__version__,
            "device": device if device == "cpu" else torch.cuda.get_device_name(0),
            "op": "torch.nn.functional.scaled_dot_product_attention",
            "dtype": args.dtype,
        },
    }
    if sidecar["instance_fingerprint"] is None:
        del sidecar["instance_fingerprint"]
    side = f"{args.output}.json"
    with open(side + f".tmp-{os.getpid()}", "w") as f:
        json.dump(sidecar, f, indent=1)
        f.write("\n")
    os.replace(side + f".tmp-{os.getpid()}", side)
    print(f"wrote {args.output} ({n}x{m}, {args.dtype}, {device}) and {side}")


if __name__ == "__main__":
    main()
