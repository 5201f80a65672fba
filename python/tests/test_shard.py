import pytest

from seth_torch.shard import layer_part


@pytest.mark.parametrize("heads, tokens, world", [(1, 5, 1), (4, 5, 2), (5, 3, 3), (7, 9, 3), (2, 9, 3), (1, 4, 3), (1, 2, 3), (3, 1, 4)])
def test_every_head_and_row_is_computed_exactly_once(heads, tokens, world):
    cells = []
    for r in range(world):
        p = layer_part(heads, tokens, r, world)
        assert p.kind == ("heads" if heads >= world else "rows")
        assert len(p.rows) <= p.block
        cells += [(h, i) for h in p.heads for i in p.rows]
    assert sorted(cells) == [(h, i) for h in range(heads) for i in range(tokens)]


def test_head_blocks_differ_by_at_most_one():
    sizes = [len(layer_part(7, 4, r, 3).heads) for r in range(3)]
    assert sizes == [3, 2, 2]


def test_rank_outside_the_world():
    with pytest.raises(ValueError):
        layer_part(2, 2, 3, 3)
