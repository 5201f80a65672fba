"""torchrun with 1, 2 and 3 CPU processes (gloo): the same X_L as one process and as numpy."""

import json

import numpy as np
import pytest
from conftest import max_rel_err, random_model, reference, run_cli, write_model

TORCHRUN = ["-m", "torch.distributed.run", "--standalone"]


def sharded(tmp, path, procs, dtype, name):
    out = tmp / f"{name}-p{procs}.npy"
    r = run_cli(path, "-o", out, "--device", "cpu", "--dtype", dtype, launcher=[*TORCHRUN, "--nproc-per-node", str(procs)], env={"OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    side = json.loads((tmp / f"{name}-p{procs}.npy.json").read_text())
    assert side["computed_by"]["processes"] == procs
    assert side["computed_by"]["backend"] == ("gloo" if procs > 1 else None)
    return np.load(out)


def single(tmp, path, dtype, name):
    """One process, without a launcher (in this process)."""
    from seth_torch.cli import main

    out = tmp / f"{name}-single.npy"
    assert main([path, "-o", str(out), "--device", "cpu", "--dtype", dtype, "--quiet"]) == 0
    return np.load(out)


@pytest.mark.parametrize("dtype, tol", [("f64", 1e-12), ("f32", 1e-5)])
def test_heads_split_over_2_and_3_processes(tmp, dtype, tol):
    m = random_model(11, n=8, H=3)  # 2 ranks: heads {0,1} | {2}; 3 ranks: one head each
    path = write_model(tmp / "h3.safetensors", m)
    one = single(tmp, path, dtype, "h3")
    assert max_rel_err(one.astype(np.float64), reference(m)) <= tol
    for procs in ((2, 3) if dtype == "f64" else (2,)):
        got = sharded(tmp, path, procs, dtype, "h3")
        assert got.dtype == one.dtype
        assert max_rel_err(got, one) <= tol
        assert max_rel_err(got.astype(np.float64), reference(m)) <= tol


def test_fewer_heads_than_processes_splits_query_rows(tmp):
    m = random_model(12, n=7, H=2, causal=True)  # 3 ranks > 2 heads: rows 0-2 | 3-5 | 6 (+ padding)
    path = write_model(tmp / "rows.safetensors", m)
    got = sharded(tmp, path, 3, "f64", "rows")
    assert max_rel_err(got, single(tmp, path, "f64", "rows")) <= 1e-12
    assert max_rel_err(got, reference(m)) <= 1e-12


def test_one_process_under_torchrun(tmp):
    m = random_model(13, H=1)
    path = write_model(tmp / "p1.safetensors", m)
    assert max_rel_err(sharded(tmp, path, 1, "f64", "p1"), reference(m)) <= 1e-12
