"""A seth-workbench transformer export (`seth export --format safetensors`), opened memory-mapped.

The file is opened with `safetensors.safe_open` (the library maps the file; a tensor's bytes are
read only when `tensor()` asks for it, so a rank of a sharded run reads only its own heads).
Everything that can be checked without reading the data is checked on opening: the metadata
`format`, `form` and `config`, and the name, dtype and shape of every tensor (no tensor missing,
none extra). Each violation is a one-line UserError.
"""

import json
import math
from dataclasses import dataclass

from .errors import UserError

FORMAT = "seth-workbench transformer v1"
FORM = "sum-of-heads (W_O folded into W_V)"
STORED_DTYPES = ("F32", "F64")

#: Keys of `config`. `causal` and `kvGroups` are the model variants (query i sees keys j ≤ i;
#: groups of heads sharing K/V projections); absent means full attention and one group per head.
CONFIG_KEYS = {"problem", "tokens", "width", "layers", "heads", "scale", "residual", "mlp", "causal", "kvGroups"}
REQUIRED_KEYS = CONFIG_KEYS - {"causal", "kvGroups"}


def head_name(layer: int, head: int, w: str) -> str:
    return f"layers.{layer}.heads.{head}.{w}"


def mlp_name(layer: int, p: str) -> str:
    return f"layers.{layer}.mlp.{p}"


@dataclass(frozen=True)
class Config:
    problem: str
    tokens: int
    width: int
    layers: int
    heads: int
    scale: float
    residual: bool
    mlp: str
    causal: bool
    kv_groups: int


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def parse_config(raw: str, name: str) -> Config:
    try:
        c = json.loads(raw)
    except (TypeError, ValueError) as e:
        raise UserError(f"{name}: metadata \"config\" is not valid JSON ({e})") from None
    if not isinstance(c, dict):
        raise UserError(f"{name}: metadata \"config\" must be a JSON object")
    unknown = sorted(set(c) - CONFIG_KEYS)
    if unknown:
        raise UserError(f"{name}: config key(s) {', '.join(unknown)} not understood by this seth_torch (expected {', '.join(sorted(CONFIG_KEYS))}); update seth_torch")
    missing = sorted(REQUIRED_KEYS - set(c))
    if missing:
        raise UserError(f"{name}: config lacks {', '.join(missing)}")
    if c["problem"] not in ("transformer", "attention"):
        raise UserError(f"{name}: config.problem is {c['problem']!r}, expected \"transformer\" or \"attention\"")
    for k in ("tokens", "width", "layers", "heads"):
        if not _is_int(c[k]) or c[k] < 1:
            raise UserError(f"{name}: config.{k} is {c[k]!r}, expected a positive integer")
    if not isinstance(c["scale"], (int, float)) or isinstance(c["scale"], bool) or not math.isfinite(c["scale"]):
        raise UserError(f"{name}: config.scale is {c['scale']!r}, expected a finite number")
    if not isinstance(c["residual"], bool):
        raise UserError(f"{name}: config.residual is {c['residual']!r}, expected true or false")
    if c["mlp"] not in ("identity", "relu"):
        raise UserError(f"{name}: config.mlp is {c['mlp']!r}, expected \"identity\" or \"relu\"")
    causal = c.get("causal", False)
    if not isinstance(causal, bool):
        raise UserError(f"{name}: config.causal is {causal!r}, expected true or false")
    groups = c.get("kvGroups", c["heads"])
    if not _is_int(groups) or groups < 1 or c["heads"] % groups != 0:
        raise UserError(f"{name}: config.kvGroups is {groups!r}, expected a positive divisor of heads ({c['heads']})")
    return Config(c["problem"], c["tokens"], c["width"], c["layers"], c["heads"], float(c["scale"]), c["residual"], c["mlp"], causal, groups)


class TransformerFile:
    """An opened export; use as a context manager (the file stays mapped until closed)."""

    def __init__(self, path: str):
        self.path = path
        try:
            from safetensors import safe_open
        except ImportError as e:
            raise UserError(f"the safetensors package is not installed ({e}); pip install safetensors") from None
        try:
            self._file = safe_open(path, framework="pt", device="cpu")
            self._handle = self._file.__enter__()
        except FileNotFoundError:
            raise UserError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise UserError(f"{path}: is a directory, expected a .safetensors file") from None
        except Exception as e:  # safetensors raises SafetensorError (and OSError) for bad files
            raise UserError(f"{path}: not a valid safetensors file ({e})") from None
        try:
            self.metadata = dict(self._handle.metadata() or {})
            self.config = self._check()
            self.scale = self.config.scale
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self._file is not None:
            self._file.__exit__(None, None, None)
            self._file = None

    def _check(self) -> Config:
        md, name = self.metadata, self.path
        if md.get("format") != FORMAT:
            raise UserError(f"{name}: metadata \"format\" is {json.dumps(md.get('format'))}, expected \"{FORMAT}\" (a file from seth export --format safetensors)")
        if md.get("form") != FORM:
            raise UserError(f"{name}: metadata \"form\" is {json.dumps(md.get('form'))}, expected \"{FORM}\"")
        if "config" not in md:
            raise UserError(f"{name}: metadata has no \"config\"")
        cfg = parse_config(md["config"], name)
        if "scale" in md:
            try:
                s = float(md["scale"])
            except ValueError:
                raise UserError(f"{name}: metadata \"scale\" is {md['scale']!r}, not a number") from None
            if s != cfg.scale:
                raise UserError(f"{name}: metadata \"scale\" {md['scale']} disagrees with config.scale {cfg.scale!r}")
        n, m = cfg.tokens, cfg.width
        expected = {"X": [n, m]}
        for l in range(cfg.layers):
            for h in range(cfg.heads):
                for w in ("W_Q", "W_K", "W_V"):
                    expected[head_name(l, h, w)] = [m, m]
        have = {}
        for key in self._handle.keys():
            sl = self._handle.get_slice(key)
            have[key] = (sl.get_dtype(), list(sl.get_shape()))
        if cfg.mlp == "relu":
            for l in range(cfg.layers):
                b1 = have.get(mlp_name(l, "b1"))
                if b1 is None:
                    raise UserError(f"{name}: tensor \"{mlp_name(l, 'b1')}\" is missing")
                if len(b1[1]) != 1 or b1[1][0] < 1:
                    raise UserError(f"{name}: tensor \"{mlp_name(l, 'b1')}\" has shape {b1[1]}, expected [hidden]")
                hidden = b1[1][0]
                expected.update({mlp_name(l, "W1"): [m, hidden], mlp_name(l, "b1"): [hidden], mlp_name(l, "W2"): [hidden, m], mlp_name(l, "b2"): [m]})
        for key, shape in expected.items():
            if key not in have:
                raise UserError(f"{name}: tensor \"{key}\" is missing")
            dt, got = have[key]
            if dt not in STORED_DTYPES:
                raise UserError(f"{name}: tensor \"{key}\" has dtype {dt}, expected F32 or F64")
            if got != shape:
                raise UserError(f"{name}: tensor \"{key}\" has shape {got}, expected {shape}")
        extra = sorted(set(have) - set(expected))
        if extra:
            raise UserError(f"{name}: unexpected tensor(s) {', '.join(repr(k) for k in extra[:3])} for this configuration")
        return cfg

    def tensor(self, key: str):
        """One tensor, read from the mapped file now (CPU, its stored dtype)."""
        return self._handle.get_tensor(key)

    def instance_provenance(self):
        """The instance's provenance: the export's own provenance records it under "from"."""
        raw = self.metadata.get("provenance")
        if raw is None:
            return None
        try:
            p = json.loads(raw)
        except ValueError:
            raise UserError(f"{self.path}: metadata \"provenance\" is not valid JSON") from None
        return p.get("from") if isinstance(p, dict) else None
