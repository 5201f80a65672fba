"""bench/torch_attention.py (the torch column of `npm run bench`) computes what numpy's peer does."""

import json
import os
import subprocess
import sys

import numpy as np

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench")


def test_batch_and_serve_modes_agree_with_the_numpy_peer(tmp):
    rng = np.random.default_rng(0)
    h, n, d = 2, 33, 5
    raw = rng.uniform(-1, 1, (h, 3, n, d))
    inp = tmp / "in.bin"
    raw.astype("<f8").tofile(inp)
    spec = {"runs": 2, "cases": [{"name": "c", "tokens": n, "dim": d, "heads": h, "scale": 0.4, "input": str(inp), "output": str(tmp / "out.bin")}]}
    spec_file = tmp / "spec.json"
    spec_file.write_text(json.dumps(spec))
    sys.path.insert(0, BENCH)
    try:
        import numpy_attention
    finally:
        sys.path.pop(0)
    want = numpy_attention.attention(raw[:, 0], raw[:, 1], raw[:, 2], 0.4)

    r = subprocess.run([sys.executable, os.path.join(BENCH, "torch_attention.py"), str(spec_file)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["threads"] == 2 and len(res["cases"][0]["f64_ms"]) == 2 and len(res["cases"][0]["f32_ms"]) == 2
    got = np.fromfile(tmp / "out.bin.torch", dtype="<f8").reshape(h, n, d)
    assert np.abs(got - want).max() <= 1e-13

    lines = "\n".join(json.dumps({"case": 0, "dtype": dt}) for dt in ("f64", "f32", "f64")) + "\n"
    r = subprocess.run([sys.executable, os.path.join(BENCH, "torch_attention.py"), "--serve", str(spec_file)], input=lines, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = [json.loads(l) for l in r.stdout.splitlines()]
    assert out[0]["torch"] and len(out) == 4 and all(o["ms"] > 0 for o in out[1:])
