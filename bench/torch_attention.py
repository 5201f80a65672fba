#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: exact attention with scaled_dot_product_attention on the
inputs the Node bench wrote; the peer of bench/numpy_attention.py, with the same protocol.

    python3 bench/torch_attention.py SPEC.json            # batch: all cases, print JSON
    python3 bench/torch_attention.py --serve SPEC.json    # one timed run per request line

SPEC.json: {"runs": R, "cases": [{"name", "tokens", "dim", "heads", "scale", "input", "output"}]}.
`input` is raw little-endian float64: for each head Q, K, V (tokens×dim each, row-major). Per case
and dtype (float64, float32) the heads go through one call

    O = torch.nn.functional.scaled_dot_product_attention(Q, K, V, scale=scale)   # [heads, n, d]

on the CPU (explicit scale, no mask, no dropout) with torch.set_num_threads(2) unless
SETH_BENCH_THREADS says otherwise (the bench's machine has two cores; numpy's BLAS uses both).
The float64 output is written to the case's `torch_output` path when given, else `output` +
".torch" (raw float64, heads×tokens×dim), so that it never overwrites numpy's.

--serve: the first stdout line is {"torch": version, "threads": T}; then each stdin line
{"case": i, "dtype": "f64"|"f32"} answers {"ms": t}; the first request for a case and dtype is
preceded by an untimed warm-up. Batch: one warm-up, then R timed runs of each case and dtype, and
one JSON object {"torch": version, "threads": T, "cases": [{"name", "f64_ms": [...], "f32_ms": [...]}]}.
Needs torch >= 2.1 (the scale argument).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from peer_serve import answer_requests

THREADS = int(os.environ.get("SETH_BENCH_THREADS", "2"))


def attention(Q, K, V, scale):
    return F.scaled_dot_product_attention(Q, K, V, attn_mask=None, dropout_p=0.0, is_causal=False, scale=scale)


def output_path(case):
    return case.get("torch_output") or case["output"] + ".torch"


def load_case(case):
    n, d, h = case["tokens"], case["dim"], case["heads"]
    raw = torch.from_numpy(np.fromfile(case["input"], dtype="<f8").reshape(h, 3, n, d))
    out = {}
    for dt, key in ((torch.float64, "f64"), (torch.float32, "f32")):
        out[key] = tuple(raw[:, i].to(dt).contiguous() for i in range(3)) + (float(case["scale"]),)
    return out


def timed(args):
    t0 = time.perf_counter()
    attention(*args)
    return (time.perf_counter() - t0) * 1e3


def serve(spec):
    cases = [load_case(c) for c in spec["cases"]]
    with torch.no_grad():
        for c, data in zip(spec["cases"], cases):
            attention(*data["f64"]).numpy().astype("<f8").tofile(output_path(c))
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        answer_requests(cases, lambda args: attention(*args))


def main():
    torch.set_num_threads(THREADS)
    if sys.argv[1] == "--serve":
        serve(json.load(open(sys.argv[2])))
        return
    spec = json.load(open(sys.argv[1]))
    runs = int(spec["runs"])
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": []}
    with torch.no_grad():
        for case in spec["cases"]:
            data = load_case(case)
            res = {"name": case["name"]}
            for key in ("f64", "f32"):
                args = data[key]
                O = attention(*args)  # warm-up
                res[f"{key}_ms"] = [timed(args) for _ in range(runs)]
                if key == "f64":
                    O.numpy().astype("<f8").tofile(output_path(case))
            out["cases"].append(res)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
