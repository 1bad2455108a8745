"""kg.graphstate's outline check of a state entry, which avoids copying the entry's body."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.graphstate import first_non_entry, is_entry, make_entry


def split_outline(value: str) -> bool:
    """The outline as its definition states it: four space-separated parts, the hash non-empty, a draft flag,
    a count of results and a JSON object."""
    parts = value.split(" ", 3)
    return len(parts) == 4 and bool(parts[0]) and parts[1] in ("0", "1", "-") and parts[2].isdigit() \
        and parts[3].startswith("{")


@settings(max_examples=3000)
@given(st.text(alphabet=" 01-29{}ax", max_size=16))
def test_the_outline_check_agrees_with_splitting_the_entry(value):
    assert is_entry(value) == split_outline(value)


def test_entries_made_by_a_build_have_the_outline_and_damaged_ones_do_not():
    counts = {"quads": 3, "facts": 1, "entities": [], "linked": [], "draft_facts": 0}
    entry = make_entry("ab" * 32, False, [], [["ranking:x", 2024]], counts)
    assert is_entry(entry) and is_entry(make_entry("cd" * 32, None, [{"a": 1}], None, counts))
    assert not is_entry(entry.replace(" 0 0 ", " 2 0 ", 1))
    assert not is_entry(entry.replace(" 0 0 ", " 0 x ", 1))
    assert not is_entry(entry[:entry.index("{")])
    assert not is_entry(entry[entry.index(" "):])
    assert not is_entry(None) and not is_entry(["a", "0", "0", "{}"])


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=" 01-29{}ax", max_size=12) | st.none() | st.integers(), max_size=6))
def test_the_state_check_names_the_first_value_without_the_outline(values):
    entries = {f"k{at}": value for at, value in enumerate(values)}
    expected = next((key for key, value in entries.items() if not is_entry(value)), None)
    assert first_non_entry(entries) == expected
