"""Locating quotes in the letter, and checking that passages quote their text."""

from __future__ import annotations

import pytest
from rdflib import Graph

from server.passages import check_passages, locate

TEXT = "Het kabinet neemt deze aanbeve-\nling over. De uitbuitings-\nsituatie duurt.\nover."


def test_locate_matches_across_printed_line_breaks_and_hyphenation() -> None:
    passage = locate(TEXT, "neemt deze aanbeveling over.")
    assert passage.exact == "neemt deze aanbeve-\nling over."
    assert TEXT[passage.start : passage.end] == passage.exact


def test_locate_picks_the_requested_occurrence() -> None:
    first, second = locate(TEXT, "over."), locate(TEXT, "over.", occurrence=2)
    assert first.start < second.start
    assert TEXT[second.start : second.end] == "over."


def test_locate_refuses_a_quote_that_is_not_there() -> None:
    with pytest.raises(LookupError):
        locate(TEXT, "neemt deze aanbeveling niet over")


def _passage_graph(exact: str, start: int, end: int) -> Graph:
    return Graph().parse(
        format="turtle",
        data=f"""
        @prefix oa: <http://www.w3.org/ns/oa#> .
        <http://x/p> oa:hasSource <http://x/text> ;
            oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{exact}" ] ,
                           [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] .
        """,
    )


def test_check_passages_accepts_a_quote_at_its_offsets() -> None:
    assert check_passages(_passage_graph("kabinet", 4, 11), {"http://x/text": TEXT}) == []


def test_check_passages_reports_a_quote_at_wrong_offsets() -> None:
    problems = check_passages(_passage_graph("kabinet", 5, 12), {"http://x/text": TEXT})
    assert len(problems) == 1 and "http://x/p" in problems[0]


def test_check_passages_reports_an_unknown_source() -> None:
    problems = check_passages(_passage_graph("kabinet", 4, 11), {})
    assert "unknown source text" in problems[0]


def test_check_passages_reports_a_passage_without_a_position() -> None:
    graph = Graph().parse(
        format="turtle",
        data="""
        @prefix oa: <http://www.w3.org/ns/oa#> .
        <http://x/p> oa:hasSource <http://x/text> ;
            oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "kabinet" ] .
        """,
    )
    assert "one quote and one position" in check_passages(graph, {"http://x/text": TEXT})[0]
