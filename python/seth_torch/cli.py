"""`python -m seth_torch MODEL -o X_L.npy`: evaluate an export and write X_L with its sidecar.

Started by torchrun (WORLD_SIZE > 1) it joins the process group (gloo on CPU, NCCL on CUDA) and
shards every layer (seth_torch.shard); rank 0 writes the output.
"""

import argparse
import os
import sys
import time

from . import __version__
from .errors import ComputeError, UserError, one_line, report

from .mha import MHA_FORMAT


def parser():
    p = argparse.ArgumentParser(
        prog="python -m seth_torch",
        description="Evaluate a seth-workbench transformer export (seth export --format safetensors, or --format torch-mha) with PyTorch and write X_L as .npy plus a sidecar for `seth check --output`.",
        epilog="Sharded: torchrun --nproc-per-node P [--nnodes N --node-rank R --rdzv-endpoint HOST:PORT] -m seth_torch MODEL -o OUT",
    )
    p.add_argument("model", help="safetensors file from `seth export`")
    p.add_argument("-o", "--output", required=True, help="X_L .npy file to write (and OUTPUT.json beside it)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto: CUDA when available (default)")
    p.add_argument("--dtype", default="f32", choices=["f64", "f32", "bf16", "f16"], help="arithmetic (default f32); bf16/f16 results are written as float32")
    p.add_argument("--tf32", action="store_true", help="allow TF32 tensor cores for float32 on CUDA (off by default: float32 means float32)")
    p.add_argument("--score-memory", type=float, default=256, metavar="MiB", help="bound on one rank's attention-score block (query rows are chunked to fit; default 256)")
    p.add_argument("--rows-per-chunk", type=int, default=None, metavar="C", help="query rows per SDPA call (overrides --score-memory)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads per process (torch.set_num_threads)")
    p.add_argument("--backend", choices=["gloo", "nccl"], default=None, help="torch.distributed backend (default: nccl on CUDA, gloo on CPU)")
    p.add_argument("--pad-head-dim", type=int, default=None, metavar="K", help="zero-pad the head width to a multiple of K for SDPA (default: 8 on CUDA, where the fused kernels need it; 1 on CPU)")
    p.add_argument("--repeat", type=int, default=1, metavar="R", help="evaluate R times and record each compute time (timing runs; the output is the last)")
    p.add_argument("--heads-output", default=None, metavar="PATH", help="also write every head's output, [layers, heads, n, m] .npy (one process only)")
    p.add_argument("--quiet", action="store_true", help="no summary line on stdout")
    p.add_argument("--version", action="version", version=f"seth_torch {__version__}")
    return p


def pick_device(torch, want: str, local_rank: int) -> str:
    if want == "auto":
        want = "cuda" if torch.cuda.is_available() else "cpu"
    if want == "cuda":
        if not torch.cuda.is_available():
            raise UserError(f"--device cuda, but this PyTorch ({torch.__version__}) sees no CUDA device")
        count = torch.cuda.device_count()
        if local_rank >= count:
            raise UserError(f"local rank {local_rank} has no GPU of its own ({count} visible); start at most {count} processes per node")
        torch.cuda.set_device(local_rank)
        return f"cuda:{local_rank}"
    return "cpu"


def device_name(torch, device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    import platform

    return f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)"


def run(argv=None, progress=None) -> int:
    """One evaluation; `progress(done, total)` is called after each layer (heads done, L·H)."""
    args = parser().parse_args(argv)
    from .comm import Distributed, Single, world_from_env
    from .env import require_torch

    torch = require_torch()
    world = world_from_env()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if args.threads is not None:
        if args.threads < 1:
            raise UserError(f"--threads {args.threads}: expected a positive integer")
        torch.set_num_threads(args.threads)
    if args.rows_per_chunk is not None and args.rows_per_chunk < 1:
        raise UserError(f"--rows-per-chunk {args.rows_per_chunk}: expected a positive integer")
    if args.repeat < 1:
        raise UserError(f"--repeat {args.repeat}: expected a positive integer")
    if args.pad_head_dim is not None and args.pad_head_dim < 1:
        raise UserError(f"--pad-head-dim {args.pad_head_dim}: expected a positive integer")
    if not args.score_memory > 0:
        raise UserError(f"--score-memory {args.score_memory}: expected a positive number of MiB")
    device = pick_device(torch, args.device, local_rank)
    if device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    from .engine import torch_dtype

    dtype = torch_dtype(torch, args.dtype)

    from .model import TransformerFile

    t0 = time.perf_counter()
    if _is_mha(args.model):
        if args.heads_output is not None:
            raise UserError(f"{args.model}: --heads-output needs the safetensors export (a torch-mha file runs whole modules)")
        if world > 1:
            raise UserError(f"{args.model}: a torch-mha export runs in one process; shard the safetensors export instead")
        return _run_mha(torch, args, device, dtype, t0)
    with TransformerFile(args.model) as f:
        comm = Single()
        if world > 1:
            backend = args.backend or ("nccl" if device.startswith("cuda") else "gloo")
            comm = Distributed(torch, backend)
        try:
            from .engine import evaluate, padded_width

            pad = args.pad_head_dim or (8 if device.startswith("cuda") else 1)
            compute = []
            for _ in range(args.repeat):
                c0 = time.perf_counter()
                X, heads = evaluate(
                    f, torch, device=device, dtype=dtype, comm=comm, score_bytes=int(args.score_memory * 2**20),
                    rows_per_chunk=args.rows_per_chunk, progress=progress, per_head=args.heads_output is not None, pad_to=pad,
                )
                if device.startswith("cuda"):
                    torch.cuda.synchronize()
                compute.append(time.perf_counter() - c0)
            seconds = time.perf_counter() - t0
            if comm.rank == 0:
                cfg = f.config
                computed_by = {
                    "tool": "seth_torch",
                    "version": __version__,
                    "torch": torch.__version__,
                    "op": "torch.nn.functional.scaled_dot_product_attention",
                    "device": device_name(torch, device),
                    "dtype": args.dtype,
                    "tf32": bool(args.tf32 and device.startswith("cuda")),
                    "processes": comm.world,
                    "backend": comm.backend,
                    "seconds": round(seconds, 6),
                    # Each evaluation from reading the weights to X_L on this rank (synchronized on
                    # CUDA); attention flops 4·n²·m per head, the workbench's count (also for causal).
                    "compute_seconds": [round(c, 6) for c in compute],
                    "attention_flops": 4 * cfg.tokens**2 * cfg.width * cfg.layers * cfg.heads,
                    "attention_tflops_best": round(4 * cfg.tokens**2 * cfg.width * cfg.layers * cfg.heads / min(compute) / 1e12, 3),
                    "head_width_padded_to": padded_width(cfg.width, pad),
                    "command": " ".join(["python -m seth_torch", *(argv if argv is not None else sys.argv[1:])]),
                    "model": _input_record(args.model),
                }
                side = _write(args.output, X, torch, args.dtype, f.metadata.get("fingerprint"), f.instance_provenance(), computed_by)
                if heads is not None:
                    _write_heads(args.heads_output, heads, torch, args.dtype)
                if not args.quiet:
                    print(f"wrote {args.output} ({cfg.tokens}x{cfg.width}, {args.dtype} on {device}, {comm.world} process(es), {seconds:.3f} s) and {side}")
        finally:
            comm.close()
    return 0


def _input_record(path):
    from .output import file_sha256

    return {"path": path, "bytes": os.path.getsize(path), "sha256": file_sha256(path)}


def _write(path, X, torch, dtype_name, fingerprint, provenance, computed_by):
    from .output import write_output

    host = X.detach().to("cpu", dtype=torch.float64 if dtype_name == "f64" else torch.float32).numpy()
    return write_output(path, host, fingerprint=fingerprint, provenance=provenance, computed_by=computed_by)


def _write_heads(path, heads, torch, dtype_name):
    import numpy as np

    from .output import atomic_write

    host = heads.detach().to("cpu", dtype=torch.float64 if dtype_name == "f64" else torch.float32).numpy()
    atomic_write(path, lambda fh: np.save(fh, np.ascontiguousarray(host), allow_pickle=False))


def _is_mha(path) -> bool:
    try:
        from safetensors import safe_open

        with safe_open(path, framework="pt", device="cpu") as fh:
            return (fh.metadata() or {}).get("format") == MHA_FORMAT
    except Exception:  # not readable here: TransformerFile reports why
        return False


def _run_mha(torch, args, device, dtype, t0):
    from .mha import load_mha_file

    module, meta = load_mha_file(args.model, device=device, dtype=dtype)
    with torch.no_grad():
        X = module(module.X.to(device=device, dtype=dtype))
    if not bool(torch.isfinite(X).all()):
        row = int((~torch.isfinite(X)).nonzero()[0, 0])
        raise ComputeError(f"non-finite value in X_L, row {row}")
    seconds = time.perf_counter() - t0
    computed_by = {
        "tool": "seth_torch",
        "version": __version__,
        "torch": torch.__version__,
        "op": "torch.nn.MultiheadAttention",
        "device": device_name(torch, device),
        "dtype": args.dtype,
        "processes": 1,
        "seconds": round(seconds, 6),
        "command": " ".join(["python -m seth_torch", *sys.argv[1:]]),
        "model": _input_record(args.model),
    }
    side = _write(args.output, X, torch, args.dtype, meta.get("fingerprint"), meta["instance_provenance"], computed_by)
    if not args.quiet:
        print(f"wrote {args.output} ({X.shape[0]}x{X.shape[1]}, {args.dtype} on {device}, stock nn.MultiheadAttention) and {side}")
    return 0


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--serve"]:
        from .serve import serve

        return serve()
    try:
        return run(argv)
    except (UserError, ComputeError) as e:
        return report(e)
    except RuntimeError as e:  # an operation PyTorch refuses (e.g. a dtype a kernel lacks on this device)
        print(f"seth_torch: PyTorch failed: {one_line(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("seth_torch: interrupted", file=sys.stderr)
        return 130
