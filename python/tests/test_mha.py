"""seth_torch.load_mha: the loader's checks (the construction itself is tested against the
workbench's reference engine in test/engine-torch.test.ts, on files `seth export` writes)."""

import json

import pytest
import torch
from safetensors.torch import save_file

from seth_torch import load_mha
from seth_torch.errors import UserError
from seth_torch.mha import MHA_FORMAT, _module_class

CONFIG = {"problem": "transformer", "tokens": 5, "width": 2, "layers": 2, "heads": 3, "scale": 1.0, "residual": True, "hidden": [4, 0], "causal": False}


def saved(tmp, state=None, config=None, fmt=MHA_FORMAT):
    """A file holding a module's state_dict (built with CONFIG) under `config` metadata."""
    cfg = CONFIG
    module = _module_class()(cfg["tokens"], cfg["width"], cfg["layers"], cfg["heads"], cfg["hidden"], cfg["residual"], cfg["causal"])
    tensors = {k: v.contiguous() for k, v in module.state_dict().items()} if state is None else state
    path = tmp / "m.safetensors"
    save_file(tensors, str(path), metadata={"format": fmt, "config": json.dumps(config or CONFIG)})
    return str(path), tensors


def test_a_state_dict_round_trips_into_stock_modules(tmp):
    path, tensors = saved(tmp)
    m = load_mha(path)
    assert [type(b.attn) for b in m.blocks] == [torch.nn.MultiheadAttention] * 2
    assert m.blocks[0].attn.embed_dim == 6 and m.blocks[0].attn.num_heads == 3 and m.blocks[0].attn.batch_first
    assert m.blocks[1].mlp is None
    assert set(m.state_dict()) == set(tensors)
    with torch.no_grad():
        assert m(m.X).shape == (5, 2) and m(m.X[None].repeat(2, 1, 1)).shape == (2, 5, 2)


def test_wrong_format_missing_and_misshapen_tensors(tmp):
    path, _ = saved(tmp, fmt="seth-workbench transformer v1")
    with pytest.raises(UserError, match="expected \"seth-workbench torch-mha v1\""):
        load_mha(path)
    _, tensors = saved(tmp)
    del tensors["blocks.1.attn.out_proj.bias"]
    path, _ = saved(tmp, state=tensors)
    with pytest.raises(UserError, match="missing \\['blocks.1.attn.out_proj.bias'\\]"):
        load_mha(path)
    _, tensors = saved(tmp)
    tensors["blocks.0.mlp.0.bias"] = torch.zeros(3, dtype=torch.float64)
    path, _ = saved(tmp, state=tensors)
    with pytest.raises(UserError, match="blocks.0.mlp.0.bias\" has shape \\[3\\]"):
        load_mha(path)


def test_config_is_checked(tmp):
    path, _ = saved(tmp, config={**CONFIG, "hidden": [4]})
    with pytest.raises(UserError, match="config.hidden must list one"):
        load_mha(path)
