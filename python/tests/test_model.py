import json

import numpy as np
import pytest
from conftest import config, random_model, write_model

from seth_torch.errors import UserError
from seth_torch.model import TransformerFile, parse_config


def opened(path):
    with TransformerFile(path) as f:
        return f.config


def refused(path):
    with pytest.raises(UserError) as e:
        opened(path)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_a_valid_export_opens_with_its_config(tmp):
    m = random_model(1)
    cfg = opened(write_model(tmp / "m.safetensors", m))
    assert (cfg.tokens, cfg.width, cfg.layers, cfg.heads, cfg.scale, cfg.causal, cfg.kv_groups) == (7, 4, 2, 3, 0.7, False, 3)


def test_f32_storage_is_accepted(tmp):
    assert opened(write_model(tmp / "m.safetensors", random_model(1), dtype=np.float32)).mlp == "relu"


def test_format_and_form_are_checked(tmp):
    m = random_model(1)
    assert "expected \"seth-workbench transformer v1\"" in refused(write_model(tmp / "a.safetensors", m, meta={"format": "other"}))
    assert "metadata \"form\"" in refused(write_model(tmp / "b.safetensors", m, meta={"form": "concat"}))
    assert "no \"config\"" in refused(write_model(tmp / "c.safetensors", m, meta={"config": None}))
    assert "disagrees with config.scale" in refused(write_model(tmp / "d.safetensors", m, meta={"scale": "0.5"}))


def test_tensors_are_checked_by_name_dtype_and_shape(tmp):
    m = random_model(1)
    assert 'tensor "layers.1.heads.2.W_K" is missing' in refused(write_model(tmp / "a.safetensors", m, drop=["layers.1.heads.2.W_K"]))
    assert "unexpected tensor(s) 'junk'" in refused(write_model(tmp / "b.safetensors", m, add={"junk": np.zeros(2)}))
    bad = write_model(tmp / "c.safetensors", m, add={"X": np.zeros((7, 5))})
    assert 'tensor "X" has shape [7, 5], expected [7, 4]' in refused(bad)
    half = write_model(tmp / "d.safetensors", m, add={"layers.0.heads.0.W_Q": np.zeros((4, 4), dtype=np.float16)})
    assert "has dtype F16, expected F32 or F64" in refused(half)
    assert 'tensor "layers.0.mlp.b1" has shape [5, 1]' in refused(write_model(tmp / "e.safetensors", m, add={"layers.0.mlp.b1": np.zeros((5, 1))}))


def test_files_that_are_not_safetensors(tmp):
    p = tmp / "garbage.safetensors"
    p.write_bytes(b"\xff" * 40)
    assert "not a valid safetensors file" in refused(str(p))
    assert "no such file" in refused(str(tmp / "absent.safetensors"))
    assert "not a valid safetensors file" in refused(str(tmp)) or "directory" in refused(str(tmp))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tokens": 0}, "config.tokens is 0, expected a positive integer"),
        ({"heads": True}, "config.heads is True"),
        ({"scale": "1"}, "config.scale is '1'"),
        ({"residual": 1}, "config.residual is 1"),
        ({"mlp": "gelu"}, "config.mlp is 'gelu'"),
        ({"causal": "yes"}, "config.causal is 'yes'"),
        ({"kvGroups": 2}, "config.kvGroups is 2, expected a positive divisor of heads (3)"),
        ({"rotary": True}, "config key(s) rotary not understood"),
    ],
)
def test_config_values_are_checked(change, message):
    with pytest.raises(UserError) as e:
        parse_config(json.dumps({**config(random_model(1)), **change}), "f")
    assert message in str(e.value)


def test_config_must_be_complete_json():
    with pytest.raises(UserError, match="not valid JSON"):
        parse_config("{", "f")
    with pytest.raises(UserError, match="lacks heads"):
        c = config(random_model(1))
        del c["heads"]
        parse_config(json.dumps(c), "f")


def test_causal_and_kv_groups_are_read():
    c = parse_config(json.dumps({**config(random_model(1)), "causal": True, "kvGroups": 1}), "f")
    assert (c.causal, c.kv_groups) == (True, 1)
