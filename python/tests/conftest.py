"""Test helpers: write workbench-format exports from numpy, and an independent numpy forward pass.

The writer follows the format `seth export --format safetensors` defines (metadata format, form,
config, scale; tensors X, layers.L.heads.H.W_Q|W_K|W_V, layers.L.mlp.W1|b1|W2|b2); the workbench's
own exports are exercised by the vitest side (test/torch.test.ts).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FORMAT = "seth-workbench transformer v1"
FORM = "sum-of-heads (W_O folded into W_V)"


def random_model(seed, n=7, m=4, L=2, H=3, hidden=5, scale=0.7, residual=True, causal=None):
    rng = np.random.default_rng(seed)
    model = {
        "n": n, "m": m, "L": L, "H": H, "scale": scale, "residual": residual, "causal": causal,
        "X": rng.uniform(-1, 1, (n, m)),
        "heads": [[{w: rng.uniform(-0.8, 0.8, (m, m)) for w in ("W_Q", "W_K", "W_V")} for _ in range(H)] for _ in range(L)],
        "mlp": None,
    }
    if hidden:
        model["mlp"] = [{"W1": rng.uniform(-0.6, 0.6, (m, hidden)), "b1": rng.uniform(-0.3, 0.3, hidden), "W2": rng.uniform(-0.6, 0.6, (hidden, m)), "b2": rng.uniform(-0.3, 0.3, m)} for _ in range(L)]
    return model


def config(model, **extra):
    c = {
        "problem": "transformer", "tokens": model["n"], "width": model["m"], "layers": model["L"], "heads": model["H"],
        "scale": model["scale"], "residual": model["residual"], "mlp": "relu" if model["mlp"] else "identity",
    }
    if model["causal"] is not None:
        c["causal"] = model["causal"]
    c.update(extra)
    return c


def tensors(model, dtype=np.float64):
    t = {"X": model["X"]}
    for l, layer in enumerate(model["heads"]):
        for h, w in enumerate(layer):
            for k, v in w.items():
                t[f"layers.{l}.heads.{h}.{k}"] = v
        if model["mlp"]:
            for k, v in model["mlp"][l].items():
                t[f"layers.{l}.mlp.{k}"] = v
    return {k: np.ascontiguousarray(v, dtype=dtype) for k, v in t.items()}


PROVENANCE = {"tool": "seth-workbench", "version": "0.1.0", "command": "seth gen test", "seed": 3, "generator": "test-family", "params": {}}


def write_model(path, model, dtype=np.float64, meta=None, drop=(), add=None, cfg=None):
    from safetensors.numpy import save_file

    t = tensors(model, dtype)
    for k in drop:
        del t[k]
    t.update(add or {})
    md = {
        "format": FORMAT, "form": FORM, "config": json.dumps(cfg if cfg is not None else config(model)), "scale": repr(model["scale"]),
        "fingerprint": "sha256:" + "ab" * 32,
        "provenance": json.dumps({**PROVENANCE, "generator": "export", "from": PROVENANCE}),
    }
    md.update(meta or {})
    save_file(t, str(path), metadata={k: v for k, v in md.items() if v is not None})
    return str(path)


def reference(model):
    """X_L in float64 with plain numpy: the dense softmax of the model's definition."""
    X = model["X"].astype(np.float64)
    n = model["n"]
    for l in range(model["L"]):
        A = np.zeros_like(X)
        for w in model["heads"][l]:
            Q, K, V = X @ w["W_Q"], X @ w["W_K"], X @ w["W_V"]
            S = model["scale"] * (Q @ K.T)
            if model["causal"]:
                S = np.where(np.tril(np.ones((n, n), dtype=bool)), S, -np.inf)
            P = np.exp(S - S.max(axis=1, keepdims=True))
            A += (P / P.sum(axis=1, keepdims=True)) @ V
        Y = X + A if model["residual"] else A
        if model["mlp"]:
            p = model["mlp"][l]
            Y = np.maximum(Y @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
        X = Y
    return X


def run_cli(*args, env=None, launcher=None):
    """Run `python -m seth_torch ARGS` (optionally under torchrun); return the CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": PYTHON_DIR + os.pathsep + os.environ.get("PYTHONPATH", "")}
    full_env.update(env or {})
    cmd = [sys.executable, *(launcher or []), "-m", "seth_torch", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=600)


def max_rel_err(a, b):
    return float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max())))


@pytest.fixture
def tmp(tmp_path):
    return tmp_path
