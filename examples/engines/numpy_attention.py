"""Exact attention in numpy, as a `seth --engine exec:` program: python3 numpy_attention.py MODEL OUT.

Reads the model that the workbench wrote (safetensors, as `seth export --format safetensors`),
computes X_L in float64 and writes it as OUT (.npy), plus OUT.cost.json with the attention arithmetic.
Replace the three lines marked ATTENTION by your own algorithm.
"""
import json, struct, sys
import numpy as np

def load(path):
    raw = open(path, "rb").read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    config = json.loads(header.pop("__metadata__")["config"])
    kinds = {"F64": "<f8", "F32": "<f4"}
    tensors = {name: np.frombuffer(raw[8 + size + t["data_offsets"][0]:8 + size + t["data_offsets"][1]],
                                   dtype=kinds[t["dtype"]]).reshape(t["shape"]).astype(np.float64)
               for name, t in header.items()}
    return tensors, config

t, cfg = load(sys.argv[1])
X = t["X"]
n, m = X.shape
for l in range(cfg["layers"]):
    Y = X.copy() if cfg["residual"] else np.zeros_like(X)
    for h in range(cfg["heads"]):
        Q, K, V = (X @ t[f"layers.{l}.heads.{h}.{w}"] for w in ("W_Q", "W_K", "W_V"))
        S = cfg["scale"] * (Q @ K.T)                                          # ATTENTION
        if cfg.get("causal"):
            S = np.where(np.tri(n, dtype=bool), S, -np.inf)
        P = np.exp(S - S.max(axis=1, keepdims=True))                          # ATTENTION
        Y += (P / P.sum(axis=1, keepdims=True)) @ V                           # ATTENTION
    if cfg["mlp"] == "relu":
        p = lambda name: t[f"layers.{l}.mlp.{name}"]
        Y = np.maximum(Y @ p("W1") + p("b1"), 0) @ p("W2") + p("b2")
    X = Y
np.save(sys.argv[2], X)
heads = cfg["layers"] * cfg["heads"]
json.dump({"flops": 4 * n * n * m * heads, "exps": n * n * heads}, open(sys.argv[2] + ".cost.json", "w"))
