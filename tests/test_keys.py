from hypothesis import given
from hypothesis import strategies as st

from paperlike.keys import KeyTable


@given(st.lists(st.tuples(st.sampled_from(["", "a", "b", "Attention is all you need", "ß", "x" * 300]),
                          st.integers(0, 5))))
def test_a_key_table_is_a_multimap_of_its_items(items):
    table = KeyTable.build(items)
    for key in {k for k, _ in items if k}:
        assert table.get(key) == sorted({v for k, v in items if k == key})
    assert table.get("not a key") == []
    assert len(table.hashes) == len({(k, v) for k, v in items if k})
