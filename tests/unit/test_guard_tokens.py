"""The guard's tokenizer reads every character of a text exactly once (server.guard)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server import guard

# Characters that matter to SPARQL's lexer, and some that do not.
SPARQL_ALPHABET = st.sampled_from(list("<>'\"#\\{}()[]?$:._-%/ \t\r\nuUSERVICEload0123456789é·"))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(SPARQL_ALPHABET, max_size=80) | st.text(max_size=80))
def test_the_tokens_follow_each_other_without_a_gap(text: str) -> None:
    # _significant_tokens relies on this: `other` matches any one character.
    end = 0
    for match in guard._TOKEN.finditer(text):
        assert match.start() == end and match.end() > end, (text, match)
        end = match.end()
    assert end == len(text)
