"""X_L as the workbench reads it: a .npy file and its sidecar PATH.json, each written atomically.

Sidecar (what `seth check --output` compares with the instance):
  format "seth-workbench output v1", tensor "X_L", dtype (of the .npy data: f32 or f64), shape,
  instance_fingerprint (copied from the export's metadata), instance_provenance (the export's
  provenance records the instance's under "from"), data_sha256 and data_bytes (of the .npy file
  written, so that a stale pair is detected), computed_by (tool, versions, device, dtype of the
  arithmetic, processes, timings, command line, the model file's size and sha256).
"""

import hashlib
import json
import os

import numpy as np

OUTPUT_FORMAT = "seth-workbench output v1"


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def atomic_write(path: str, write):
    """Write through a temporary file in the same folder, renamed over `path` when complete."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_output(path: str, array: np.ndarray, *, fingerprint, provenance, computed_by) -> str:
    """Write X_L (float32 or float64, C order, little-endian) and its sidecar; return the sidecar path."""
    if array.dtype not in (np.float32, np.float64):
        raise ValueError(f"X_L must be float32 or float64, got {array.dtype}")
    data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    atomic_write(path, lambda fh: np.save(fh, data, allow_pickle=False))
    sidecar = {
        "format": OUTPUT_FORMAT,
        "tensor": "X_L",
        "dtype": "f32" if data.dtype == np.float32 else "f64",
        "shape": list(data.shape),
        # The data file this sidecar describes: a sidecar left beside another .npy is detectable.
        "data_sha256": file_sha256(path),
        "data_bytes": os.path.getsize(path),
    }
    if fingerprint is not None:
        sidecar["instance_fingerprint"] = fingerprint
    sidecar["instance_provenance"] = provenance
    sidecar["computed_by"] = computed_by
    side = f"{path}.json"
    text = json.dumps(sidecar, indent=1) + "\n"
    atomic_write(side, lambda fh: fh.write(text.encode("utf-8")))
    return side
