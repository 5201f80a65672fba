"""The request loop that bench/numpy_attention.py and bench/torch_attention.py share (`--serve`).

Each stdin line {"case": i, "dtype": "f64"|"f32"} is answered with one stdout line {"ms": t}: the
wall time of one call run(cases[i][dtype]); the first request for a case and dtype is preceded by an
untimed warm-up, so that no answer includes a first call's allocation or thread start-up.
"""
import json
import sys
import time


def answer_requests(cases, run, lines=None, out=None):
    lines = sys.stdin if lines is None else lines
    out = sys.stdout if out is None else out
    warmed = set()
    for line in lines:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        args = cases[req["case"]][req["dtype"]]
        key = (req["case"], req["dtype"])
        if key not in warmed:
            run(args)
            warmed.add(key)
        t0 = time.perf_counter()
        run(args)
        print(json.dumps({"ms": (time.perf_counter() - t0) * 1e3}), file=out, flush=True)
