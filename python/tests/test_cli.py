import json

import numpy as np
import pytest
from conftest import PROVENANCE, max_rel_err, random_model, reference, run_cli, write_model

from seth_torch.cli import main


class Done:
    def __init__(self, returncode, stderr):
        self.returncode, self.stderr = returncode, stderr


@pytest.fixture
def run(capsys):
    """`python -m seth_torch ARGS` in this process (torch imported once for the whole file)."""

    def call(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        return Done(code, capsys.readouterr().err)

    return call


def evaluated(tmp, model, run, *args, dtype="f64", name="m"):
    path = write_model(tmp / f"{name}.safetensors", model)
    out = tmp / f"{name}-{dtype}.npy"
    r = run(path, "-o", out, "--device", "cpu", "--dtype", dtype, *args)
    assert r.returncode == 0, r.stderr
    return np.load(out), json.loads((tmp / f"{name}-{dtype}.npy.json").read_text())


def test_f64_equals_the_numpy_forward_pass_and_the_sidecar_names_the_instance(tmp, run):
    m = random_model(2)
    X, side = evaluated(tmp, m, run)
    assert X.dtype == np.float64 and X.shape == (7, 4)
    assert max_rel_err(X, reference(m)) <= 1e-12
    assert side["format"] == "seth-workbench output v1"
    assert (side["tensor"], side["dtype"], side["shape"]) == ("X_L", "f64", [7, 4])
    assert side["instance_fingerprint"] == "sha256:" + "ab" * 32
    assert side["instance_provenance"] == PROVENANCE
    import hashlib

    raw = (tmp / "m-f64.npy").read_bytes()
    assert (side["data_sha256"], side["data_bytes"]) == ("sha256:" + hashlib.sha256(raw).hexdigest(), len(raw))
    cb = side["computed_by"]
    assert cb["tool"] == "seth_torch" and cb["op"] == "torch.nn.functional.scaled_dot_product_attention"
    assert (cb["dtype"], cb["processes"], cb["backend"]) == ("f64", 1, None)
    assert cb["model"]["sha256"].startswith("sha256:") and cb["model"]["bytes"] > 0


@pytest.mark.parametrize("dtype, tol", [("f32", 1e-5), ("bf16", 0.1), ("f16", 2e-2)])
def test_lower_precisions_agree_within_their_rounding_and_are_written_as_float32(tmp, dtype, tol, run):
    m = random_model(3)
    X, side = evaluated(tmp, m, run, dtype=dtype)
    assert X.dtype == np.float32 and side["dtype"] == "f32" and side["computed_by"]["dtype"] == dtype
    assert max_rel_err(X.astype(np.float64), reference(m)) <= tol


def test_query_chunks_change_nothing_but_memory(tmp, run):
    m = random_model(4, n=11)
    whole, _ = evaluated(tmp, m, run, name="whole")
    for c in ("1", "3"):
        part, _ = evaluated(tmp, m, run, "--rows-per-chunk", c, name=f"c{c}")
        assert max_rel_err(part, whole) <= 1e-13


def test_causal_models_mask_later_keys_also_in_chunks(tmp, run):
    m = random_model(5, n=9, causal=True)
    X, _ = evaluated(tmp, m, run, "--rows-per-chunk", "4")
    assert max_rel_err(X, reference(m)) <= 1e-12
    full = dict(m, causal=False)
    assert max_rel_err(X, reference(full)) > 1e-3


def test_no_residual_no_mlp(tmp, run):
    m = random_model(6, L=1, H=2, hidden=0, residual=False)
    X, _ = evaluated(tmp, m, run)
    assert max_rel_err(X, reference(m)) <= 1e-12


def test_bad_input_is_one_line_and_exit_2(tmp, run):
    path = write_model(tmp / "bad.safetensors", random_model(1), meta={"format": "other"})
    r = run_cli(path, "-o", tmp / "x.npy", "--device", "cpu")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("seth_torch: ") and "Traceback" not in r.stderr
    assert not (tmp / "x.npy").exists()
    r = run(tmp / "absent.safetensors", "-o", tmp / "x.npy", "--device", "cpu")
    assert (r.returncode, r.stderr.strip()) == (2, f"seth_torch: {tmp / 'absent.safetensors'}: no such file")
    r = run(path, "-o", tmp / "x.npy", "--rows-per-chunk", "0")
    assert r.returncode == 2 and "--rows-per-chunk 0" in r.stderr


def test_overflow_names_layer_head_and_row_and_exits_1(tmp, run):
    m = random_model(7, L=2, H=2, hidden=0)
    m["heads"][1][1]["W_V"] = m["heads"][1][1]["W_V"] * 1e5  # beyond float16's 65504
    path = write_model(tmp / "big.safetensors", m)
    r = run(path, "-o", tmp / "x.npy", "--device", "cpu", "--dtype", "f16")
    assert r.returncode == 1, r.stderr
    assert "non-finite attention output at layer 1, head 1, row 0" in r.stderr or "non-finite" in r.stderr
    assert r.stderr.count("\n") == 1


def test_cuda_without_a_gpu_is_refused(tmp, run):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    path = write_model(tmp / "m.safetensors", random_model(1))
    r = run(path, "-o", tmp / "x.npy", "--device", "cuda")
    assert r.returncode == 2 and "sees no CUDA device" in r.stderr


def fake_torch(tmp, body):
    d = tmp / "fake"
    (d / "torch").mkdir(parents=True)
    (d / "torch" / "__init__.py").write_text(body)
    return {"PYTHONPATH": f"{d}"}


def test_missing_torch_is_a_friendly_exit_2(tmp):
    from conftest import PYTHON_DIR

    env = fake_torch(tmp, "raise ImportError(\"No module named 'torch'\")\n")
    env["PYTHONPATH"] = PYTHON_DIR + ":" + env["PYTHONPATH"]
    r = run_cli(tmp / "m.safetensors", "-o", tmp / "x.npy", env=env)
    assert r.returncode == 2
    assert "PyTorch is not installed for" in r.stderr and "torch>=2.1" in r.stderr and r.stderr.count("\n") == 1


def test_old_torch_is_refused_before_any_work(tmp):
    from conftest import PYTHON_DIR

    env = fake_torch(tmp, '__version__ = "1.13.1"\n')
    env["PYTHONPATH"] = PYTHON_DIR + ":" + env["PYTHONPATH"]
    r = run_cli(tmp / "m.safetensors", "-o", tmp / "x.npy", env=env)
    assert r.returncode == 2
    assert "PyTorch 1.13.1 is too old" in r.stderr and "needs torch>=2.1" in r.stderr


def test_version_parsing():
    from seth_torch.env import parse_version

    assert parse_version("2.13.0+cpu") == (2, 13) and parse_version("1.13.1") == (1, 13) and parse_version("x") is None


def test_serve_answers_one_request_per_line_with_progress(tmp):
    import io

    from seth_torch.serve import serve

    m = random_model(8, L=2, H=2)
    path = write_model(tmp / "s.safetensors", m)
    out, heads = tmp / "s.npy", tmp / "s-heads.npy"
    lines = [
        json.dumps({"argv": [path, "-o", str(out), "--device", "cpu", "--dtype", "f64", "--heads-output", str(heads)]}),
        json.dumps({"argv": [str(tmp / "absent.safetensors"), "-o", str(out)]}),
        "not json",
    ]
    reply = io.StringIO()
    assert serve(io.StringIO("\n".join(lines) + "\n"), reply) == 0
    got = [json.loads(l) for l in reply.getvalue().splitlines()]
    assert got[:3] == [{"progress": [2, 4]}, {"progress": [4, 4]}, {"code": 0}]
    assert got[3]["code"] == 2 and "no such file" in got[3]["error"]
    assert got[4]["code"] == 2 and got[4]["error"].startswith("serve: bad request")
    assert max_rel_err(np.load(out), reference(m)) <= 1e-12
    H = np.load(heads)
    assert H.shape == (2, 2, 7, 4)
    # Each layer's heads, summed, are that layer's attention alone (no residual, no MLP) on its input.
    one_layer = dict(m, L=1, mlp=None, residual=False)
    assert max_rel_err(H[0].sum(axis=0), reference(dict(one_layer, heads=m["heads"][:1]))) <= 1e-12
    p = m["mlp"][0]
    X1 = np.maximum((m["X"] + H[0].sum(axis=0)) @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    assert max_rel_err(H[1].sum(axis=0), reference(dict(one_layer, X=X1, heads=m["heads"][1:]))) <= 1e-12


def test_padded_head_width_and_repeats_change_nothing(tmp, run):
    m = random_model(9, m=5, causal=True)
    plain, _ = evaluated(tmp, m, run, name="plain")
    padded, side = evaluated(tmp, m, run, "--pad-head-dim", "8", "--repeat", "2", name="padded")
    assert max_rel_err(padded, plain) <= 1e-13 and max_rel_err(padded, reference(m)) <= 1e-12
    cb = side["computed_by"]
    assert cb["head_width_padded_to"] == 8 and len(cb["compute_seconds"]) == 2
    assert cb["attention_flops"] == 4 * 7**2 * 5 * 2 * 3 and cb["attention_tflops_best"] >= 0
