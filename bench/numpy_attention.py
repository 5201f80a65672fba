#!/usr/bin/env python3
"""numpy side of `npm run bench`: exact attention on the inputs the Node bench wrote.

    python3 bench/numpy_attention.py SPEC.json            # batch: all cases, print JSON
    python3 bench/numpy_attention.py --serve SPEC.json    # one timed run per request line

In --serve mode the bench interleaves numpy runs with its own, so that both see the same machine
load: each stdin line {"case": i, "dtype": "f64"|"f32"} answers {"ms": t} on stdout; the first
request for a case and dtype is preceded by an untimed warm-up. After the first line of output
({"numpy": …, "blas": …}) the float64 outputs are written as in batch mode.

SPEC.json: {"runs": R, "cases": [{"name", "tokens", "dim", "heads", "scale", "input", "output"}]}.
`input` is raw little-endian float64: for each head Q, K, V (tokens×dim each, row-major).
For float64 and float32: one warm-up, then R timed runs of

    S = scale · Q Kᵀ;  S −= rowmax(S);  P = exp(S);  O = (P V) / rowsum(P)

(batched over heads with np.matmul; in-place elementwise steps; BLAS threads as numpy sets them).
Writes the float64 output to `output` (raw float64, heads×tokens×dim) and prints one JSON object:
{"numpy": version, "blas": ..., "cases": [{"name", "f64_ms": [...], "f32_ms": [...]}]}.
"""
import json
import sys
import time

import numpy as np
from peer_serve import answer_requests


def attention(Q, K, V, scale):
    S = np.matmul(Q, np.swapaxes(K, -1, -2))
    S *= scale
    S -= S.max(axis=-1, keepdims=True)
    np.exp(S, out=S)
    l = S.sum(axis=-1, keepdims=True)
    O = np.matmul(S, V)
    O /= l
    return O


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:  # older numpy
        return "unknown"


def load_case(case):
    n, d, h = case["tokens"], case["dim"], case["heads"]
    raw = np.fromfile(case["input"], dtype="<f8").reshape(h, 3, n, d)
    out = {}
    for dt, key in ((np.float64, "f64"), (np.float32, "f32")):
        out[key] = (
            np.ascontiguousarray(raw[:, 0].astype(dt)),
            np.ascontiguousarray(raw[:, 1].astype(dt)),
            np.ascontiguousarray(raw[:, 2].astype(dt)),
            dt(case["scale"]),
        )
    return out


def serve(spec):
    cases = [load_case(c) for c in spec["cases"]]
    for c, data in zip(spec["cases"], cases):
        attention(*data["f64"]).astype("<f8").tofile(c["output"])
    print(json.dumps({"numpy": np.__version__, "blas": blas_name()}), flush=True)
    answer_requests(cases, lambda args: attention(*args))


def main():
    if sys.argv[1] == "--serve":
        serve(json.load(open(sys.argv[2])))
        return
    spec = json.load(open(sys.argv[1]))
    runs = int(spec["runs"])
    out = {"numpy": np.__version__, "blas": blas_name(), "cases": []}
    for case in spec["cases"]:
        n, d, h = case["tokens"], case["dim"], case["heads"]
        raw = np.fromfile(case["input"], dtype="<f8").reshape(h, 3, n, d)
        res = {"name": case["name"]}
        for dt, key in ((np.float64, "f64_ms"), (np.float32, "f32_ms")):
            Q = np.ascontiguousarray(raw[:, 0].astype(dt))
            K = np.ascontiguousarray(raw[:, 1].astype(dt))
            V = np.ascontiguousarray(raw[:, 2].astype(dt))
            scale = dt(case["scale"])
            O = attention(Q, K, V, scale)  # warm-up
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                O = attention(Q, K, V, scale)
                times.append((time.perf_counter() - t0) * 1e3)
            res[key] = times
            if dt is np.float64:
                O.astype("<f8").tofile(case["output"])
        out["cases"].append(res)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
