"""The named SPARQL queries in queries/: well-formed, base-independent, and right about the letter.

Every query is checked three ways: its text (grlc headers, PREFIX lines, parameter names, no
hard-coded base), that it runs against the real built graph, and its answer, either against an
expected SPARQL JSON results file in tests/data/queries/<name>.srj (checked by hand against the
letter) or against a precise assertion below.

Parameters follow grlc: ``?_name`` is required, ``?__name`` optional, an optional type suffix
says what to pass (``_iri``, ``_date``). They are bound with pyoxigraph ``substitutions=``
(SEP-0007), never pasted into the text. Two pyoxigraph 0.5 facts shape the queries:

* a substituted variable must be in the SELECT projection, so every query projects its
  parameters;
* ``BOUND(?param)`` and a bare ``BIND(?param AS ?x)`` do not see the substituted value, so
  optional parameters are read through ``COALESCE(?__param, default)`` and required ones are
  used directly in triple patterns and FILTER comparisons.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.config import Settings
from server.named_queries import MissingParameter, load_query

ROOT = Path(__file__).resolve().parents[2]
QUERIES_DIR = ROOT / "queries"
EXPECTED_DIR = ROOT / "tests" / "data" / "queries"
LETTER = ROOT / "data" / "sources" / "kst-28638-188.txt"
QUERY_FILES = sorted(QUERIES_DIR.glob("*.rq"))
QUERY_NAMES = [path.stem for path in QUERY_FILES]

# The base the expected files are written with; results from another base are mapped onto it.
CANONICAL_BASE = "https://mensenhandel-kg.nl/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
LIST_SEPARATOR = "; "  # GROUP_CONCAT separator of the columns whose name ends in "List"

PARAMETER = re.compile(r"\?(__?[A-Za-z]\w*)")
WELL_FORMED_PARAMETER = re.compile(
    r"^_{1,2}[a-z][a-z0-9]*(?:_(?:iri|date|datetime|integer|decimal|boolean|string|literal))?$"
)
INJECTION = "nl\"') } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #"


# --------------------------------------------------------------------------------------------
# Running a named query (with the server's loader, server.named_queries)
# --------------------------------------------------------------------------------------------


def query_text(name: str) -> str:
    """Return the text of the named query queries/<name>.rq."""
    return (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")


def query_parameters(text: str) -> dict[str, bool]:
    """Map each grlc parameter of a query (``_name`` or ``__name``) to whether it is required."""
    names = PARAMETER.findall(_code(text))
    return {name: not name.startswith("__") for name in dict.fromkeys(names)}


def run_named_query(
    store: ox.Store,
    name: str,
    base_iri: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
) -> ox.QuerySolutions:
    """Run queries/<name>.rq against the store, with its parameters bound as data.

    ``bindings`` maps parameter names without the leading ``?`` (``_actor_iri``,
    ``__taal``) to RDF terms. The server's loader (server.named_queries) reads the query,
    so these tests check what the API runs.
    """
    return load_query(QUERIES_DIR / f"{name}.rq", base_iri).run(store, base_iri, bindings)


def _code(text: str) -> str:
    """The query without its comment lines (grlc headers included)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


# --------------------------------------------------------------------------------------------
# Results as comparable rows (SPARQL 1.1 JSON results terms)
# --------------------------------------------------------------------------------------------

Term = tuple[str, ...] | None


def _json_term(value: dict[str, str] | None) -> Term:
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri":
        return ("uri", value["value"])
    if kind == "bnode":
        return ("bnode", value["value"])
    datatype = value.get("datatype")
    if datatype in (None, XSD + "string", RDF_LANG_STRING):
        datatype = ""
    return ("literal", value["value"], value.get("xml:lang", "").lower(), datatype)


def _ox_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | None, base_iri: str) -> Term:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        value = term.value
        if value.startswith(base_iri):
            value = CANONICAL_BASE + value[len(base_iri) :]
        return ("uri", value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    datatype = term.datatype.value
    if datatype in (XSD + "string", RDF_LANG_STRING):
        datatype = ""
    return ("literal", term.value, (term.language or "").lower(), datatype)


def _normalise(variable: str, term: Term) -> Term:
    # GROUP_CONCAT order is not defined by SPARQL: compare list columns as sorted lists.
    if term is not None and variable.endswith("List") and term[0] == "literal":
        items = sorted(term[1].split(LIST_SEPARATOR)) if term[1] else []
        return ("literal", LIST_SEPARATOR.join(items), *term[2:])
    return term


def result_rows(
    solutions: ox.QuerySolutions, base_iri: str
) -> tuple[list[str], list[tuple[Term, ...]]]:
    """Turn query solutions into (variables, rows of comparable terms)."""
    variables = [v.value for v in solutions.variables]
    rows = [
        tuple(_normalise(v, _ox_term(solution[v], base_iri)) for v in variables)
        for solution in solutions
    ]
    return variables, rows


def expected_rows(name: str) -> tuple[list[str], list[tuple[Term, ...]]]:
    """Read tests/data/queries/<name>.srj into (variables, rows of comparable terms)."""
    data = json.loads((EXPECTED_DIR / f"{name}.srj").read_text(encoding="utf-8"))
    variables = data["head"]["vars"]
    rows = [
        tuple(_normalise(v, _json_term(binding.get(v))) for v in variables)
        for binding in data["results"]["bindings"]
    ]
    return variables, rows


def same_results(expected: list[tuple[Term, ...]], actual: list[tuple[Term, ...]], ordered: bool):
    """Compare rows as a list (ordered) or a multiset, blank nodes up to a consistent renaming."""
    if len(expected) != len(actual):
        return False
    has_bnodes = any(t and t[0] == "bnode" for row in expected + actual for t in row)
    if not has_bnodes:
        return expected == actual if ordered else Counter(expected) == Counter(actual)
    return _match_with_bnodes(expected, actual, ordered, {}, {})


def _unify(e_row, a_row, forward: dict, backward: dict):
    forward, backward = dict(forward), dict(backward)
    for e, a in zip(e_row, a_row, strict=True):
        if e is None or a is None or e[0] != "bnode" or a[0] != "bnode":
            if e != a:
                return None
            continue
        if forward.setdefault(e[1], a[1]) != a[1] or backward.setdefault(a[1], e[1]) != e[1]:
            return None
    return forward, backward


def _match_with_bnodes(expected, actual, ordered, forward, backward) -> bool:
    if not expected:
        return True
    candidates = [0] if ordered else range(len(actual))
    for index in candidates:
        unified = _unify(expected[0], actual[index], forward, backward)
        rest = actual[:index] + actual[index + 1 :]
        if unified and _match_with_bnodes(expected[1:], rest, ordered, *unified):
            return True
    return False


def is_ordered(name: str) -> bool:
    return re.search(r"\bORDER\s+BY\b", _code(query_text(name)), re.IGNORECASE) is not None


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(built_settings: Settings) -> str:
    return built_settings.base_iri


def iri(base_iri: str, relative: str) -> ox.NamedNode:
    return ox.NamedNode(base_iri + relative)


def date(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


def rows(store: ox.Store, base_iri: str, name: str, **bindings) -> list[dict[str, object]]:
    """Run a query and return its rows as dicts of plain Python values (IRIs made relative)."""
    solutions = run_named_query(store, name, base_iri, bindings)
    variables = [v.value for v in solutions.variables]
    return [{v: _python(solution[v], base_iri) for v in variables} for solution in solutions]


def _python(term, base_iri: str) -> object:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value.removeprefix(base_iri)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value.removeprefix(XSD)
        if datatype in ("integer", "nonNegativeInteger", "positiveInteger"):
            return int(term.value)
        if datatype == "decimal":
            return Decimal(term.value)
        return term.value
    return term.value


def sample_bindings(base_iri: str) -> dict[str, dict[str, ox.NamedNode | ox.Literal]]:
    """Bindings for the required parameters, so that every query can run."""
    return {
        "betrokkenheid-van-actor": {"_actor_iri": iri(base_iri, "id/organisatie/ckm")},
        "passage-van-bewering": {
            "_resource_iri": iri(base_iri, "id/toezegging/voortgang-expertsessies")
        },
        "toezeggingen-voor-datum": {"_datum_date": date("2021-09-01")},
        "zoek-op-label": {"_zoekterm": ox.Literal("kader")},
    }


# --------------------------------------------------------------------------------------------
# 1. The query files themselves
# --------------------------------------------------------------------------------------------


def _headers(text: str) -> dict[str, str]:
    """The grlc ``#+ key: value`` headers; a YAML list under a key counts as its value."""
    headers: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        match = re.match(r"^#\+\s*([A-Za-z_]+)\s*:\s*(.*)$", line)
        if match:
            key = match.group(1)
            headers[key] = match.group(2).strip()
        elif key and re.match(r"^#\+\s+-?\s*\S", line):
            headers[key] = (headers[key] + " " + line[2:].strip(" -")).strip()
        elif not line.startswith("#+"):
            key = None
    return headers


def _used_prefixes(code: str) -> set[str]:
    code = re.sub(r"<[^<>\s]*>", " ", code)  # IRIs, which may hold ':'
    code = re.sub(r'"(?:[^"\\\n]|\\.)*"', " ", code)  # string literals
    code = re.sub(r"'(?:[^'\\\n]|\\.)*'", " ", code)
    code = re.sub(r"(?im)^\s*PREFIX\s+[\w.-]*:", " ", code)
    return set(re.findall(r"(?<![\w?$:-])([A-Za-z][\w.-]*)?:", code)) - {""}


def test_there_are_at_least_28_queries() -> None:
    assert len(QUERY_FILES) >= 28, QUERY_NAMES


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_file_is_self_describing(name: str) -> None:
    text = query_text(name)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name), "file name is not Dutch kebab-case"
    headers = _headers(text)
    for key in ("summary", "description", "tags"):
        assert headers.get(key), f"missing or empty '#+ {key}:' header"
    declared = set(re.findall(r"(?im)^\s*PREFIX\s+([\w.-]*):\s*<", text))
    assert _used_prefixes(_code(text)) <= declared, "a prefix is used without a PREFIX line"
    assert "mensenhandel-kg.nl" not in text, "the base IRI is configurable: use relative IRIs"


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_parameters_are_well_formed_and_projected(name: str) -> None:
    code = _code(query_text(name))
    projection = code[: code.upper().index("WHERE")]
    for parameter in query_parameters(code):
        assert WELL_FORMED_PARAMETER.match(parameter), f"malformed parameter ?{parameter}"
        # pyoxigraph only substitutes variables of the SELECT projection.
        assert f"?{parameter}" in projection, f"?{parameter} is not projected"
        # ... and neither BOUND() nor a bare BIND see a substituted value.
        assert not re.search(rf"BOUND\s*\(\s*\?{parameter}\b", code, re.IGNORECASE)
        assert not re.search(rf"BIND\s*\(\s*\?{parameter}\s+AS\b", code, re.IGNORECASE)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_parses(name: str) -> None:
    empty = ox.Store()
    solutions = empty.query(
        query_text(name), base_iri=CANONICAL_BASE, use_default_graph_as_union=True
    )
    assert list(solutions) == []


def test_a_required_parameter_must_be_given(store: ox.Store, base: str) -> None:
    with pytest.raises(MissingParameter):
        run_named_query(store, "betrokkenheid-van-actor", base)
    with pytest.raises(ValueError, match="unknown"):
        run_named_query(store, "cijfers", base, {"_actor_iri": iri(base, "id/organisatie/ckm")})


# --------------------------------------------------------------------------------------------
# 2. Every query runs against the real graph, and does not depend on the base IRI
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_runs_against_the_built_graph(store: ox.Store, base: str, name: str) -> None:
    solutions = run_named_query(store, name, base, sample_bindings(base).get(name))
    found = list(solutions)
    if name != "tooi-organisaties-van-actoren":  # needs a TOOI list loaded with `mhkg load`
        assert found, f"{name} returns no rows"


@pytest.fixture(scope="module")
def other_base_store() -> tuple[ox.Store, str]:
    """The ontology and data parsed with another base IRI, as the build would do."""
    other = "http://example.org/kg/"
    store = ox.Store()
    for directory in ("ontology", "data", "shapes"):
        for path in sorted((ROOT / directory).glob("*.ttl")):
            store.load(
                path=str(path),
                format=ox.RdfFormat.TURTLE,
                base_iri=other,
                to_graph=ox.NamedNode(f"{other}graph/{directory}/{path.stem}"),
            )
    return store, other


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_answers_the_same_under_another_base(
    store: ox.Store, base: str, other_base_store: tuple[ox.Store, str], name: str
) -> None:
    other_store, other = other_base_store
    _, here = result_rows(run_named_query(store, name, base, sample_bindings(base).get(name)), base)
    _, there = result_rows(
        run_named_query(other_store, name, other, sample_bindings(other).get(name)), other
    )
    assert Counter(here) == Counter(there)


# --------------------------------------------------------------------------------------------
# 3. Expected answers
# --------------------------------------------------------------------------------------------

SRJ_NAMES = sorted(path.stem for path in EXPECTED_DIR.glob("*.srj"))


@pytest.mark.parametrize("name", SRJ_NAMES)
def test_query_gives_the_expected_results(store: ox.Store, base: str, name: str) -> None:
    variables, actual = result_rows(
        run_named_query(store, name, base, sample_bindings(base).get(name)), base
    )
    expected_variables, expected = expected_rows(name)
    assert variables == expected_variables
    assert same_results(expected, actual, is_ordered(name)), _diff(expected, actual)


def _diff(expected: Iterable, actual: Iterable) -> str:
    missing = Counter(expected) - Counter(actual)
    extra = Counter(actual) - Counter(expected)
    return f"missing: {list(missing)}\nunexpected: {list(extra)}\n(or a different order)"


# Queries whose answer is checked by an assertion below rather than (only) by an .srj file.
ASSERTED = {
    "comensha-registraties",
    "verdachten-per-jaar",
    "gemiddelde-strafduur",
    "voorzitter-expertmeetings",
    "deelnemers-gesprek-resocialisatie",
    "ministeries-in-preventie",
    "toezeggingen-met-termijnen",
    "toezeggingen-voor-datum",
    "betrokkenheid-van-actor",
    "passage-van-bewering",
    "zoek-op-label",
    "discrepanties",
    "hierarchie-uitbuitingsvormen",
    "tooi-organisaties-van-actoren",
}


def test_every_query_has_an_expected_answer() -> None:
    unchecked = set(QUERY_NAMES) - set(SRJ_NAMES) - ASSERTED
    assert not unchecked, f"queries without an expected answer: {sorted(unchecked)}"
    assert set(SRJ_NAMES) <= set(QUERY_NAMES), "an .srj file has no query"


def test_comensha_registrations_rose_from_780_to_1372(store: ox.Store, base: str) -> None:
    found = [(r["year"], int(r["value"])) for r in rows(store, base, "comensha-registraties")]
    assert found == [(2018, 780), (2019, 1372)]


def test_registered_suspects_fell_from_285_to_170(store: ox.Store, base: str) -> None:
    found = [(r["year"], int(r["value"])) for r in rows(store, base, "verdachten-per-jaar")]
    assert found == [(2016, 285), (2019, 170)]


def test_average_sentence_rose_from_553_to_652_days(store: ox.Store, base: str) -> None:
    found = rows(store, base, "gemiddelde-strafduur")
    assert [(r["year"], int(r["value"]), r["unitLabel"]) for r in found] == [
        (2015, 553, "dagen"),
        (2019, 652, "dagen"),
    ]


def test_the_nationaal_rapporteur_chairs_the_expert_meetings(store: ox.Store, base: str) -> None:
    found = rows(store, base, "voorzitter-expertmeetings")
    assert [(r["activity"], r["chair"]) for r in found] == [
        ("id/activiteit/expertmeetings-technologie", "id/organisatie/nationaal-rapporteur")
    ]


def test_the_resocialisation_talks_include_om_probation_and_salvation_army(
    store: ox.Store, base: str
) -> None:
    found = rows(store, base, "deelnemers-gesprek-resocialisatie")
    participants = {r["organisation"] for r in found if r["role"] == "deelnemer"}
    assert participants == {
        "id/organisatie/openbaar-ministerie",
        "id/organisatie/reclassering",
        "id/organisatie/leger-des-heils-jbr",
    }
    assert {r["organisation"] for r in found if r["role"] == "uitvoerder"} == {
        "id/organisatie/ministerie-jenv"
    }


def test_five_ministries_take_part_in_prevention_through_their_ministers(
    store: ox.Store, base: str
) -> None:
    found = rows(store, base, "ministeries-in-preventie")
    assert {(r["ministry"], r["post"]) for r in found} == {
        (f"id/organisatie/ministerie-{m}", f"id/functie/minister-{m}")
        for m in ("jenv", "ocw", "vws", "szw", "bzk")
    }


def test_ministries_of_another_activity_include_directly_named_ones(
    store: ox.Store, base: str
) -> None:
    activity = iri(base, "id/activiteit/interdepartementale-inzet-mensenhandel")
    found = rows(store, base, "ministeries-in-preventie", __activiteit_iri=activity)
    assert {(r["ministry"], r["post"]) for r in found} == {
        ("id/organisatie/ministerie-jenv", "id/functie/staatssecretaris-jenv"),
        ("id/organisatie/ministerie-bz", None),
        ("id/organisatie/ministerie-szw", None),
        ("id/organisatie/ministerie-vws", None),
    }
    assert {r["activity"] for r in found} == {activity.value.removeprefix(base)}


def test_commitments_are_ordered_by_latest_day_and_deadline_less_last(
    store: ox.Store, base: str
) -> None:
    found = rows(store, base, "toezeggingen-met-termijnen")
    assert [r["latest"] for r in found[:3]] == ["2021-03-31", "2021-06-20", "2021-08-31"]
    assert found[3]["deadlineLabel"] == "binnenkort" and found[3]["latest"] is None
    assert all(r["deadlineLabel"] is None for r in found[4:])
    behalf = {r["commitment"]: r["onBehalfOfLabel"] for r in found if r["onBehalfOfLabel"]}
    assert behalf == {
        "id/toezegging/uitkomsten-gesprek-resocialisatie": "Minister voor Rechtsbescherming"
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2021-03-31", []),
        ("2021-04-01", ["tijdspad-aanbevelingen-aanjaagteam"]),
        (
            "2021-09-01",
            [
                "tijdspad-aanbevelingen-aanjaagteam",
                "presentatie-jaarcijfers-veiligheidsagenda",
                "voortgang-expertsessies",
            ],
        ),
    ],
)
def test_commitments_due_before_a_date(
    store: ox.Store, base: str, day: str, expected: list[str]
) -> None:
    found = rows(store, base, "toezeggingen-voor-datum", _datum_date=date(day))
    assert [r["commitment"].removeprefix("id/toezegging/") for r in found] == expected


def test_a_date_parameter_of_the_wrong_type_matches_nothing(store: ox.Store, base: str) -> None:
    assert rows(store, base, "toezeggingen-voor-datum", _datum_date=ox.Literal(INJECTION)) == []


def test_what_a_ministry_is_involved_in_goes_through_its_posts(store: ox.Store, base: str) -> None:
    actor = iri(base, "id/organisatie/ministerie-jenv")
    found = rows(store, base, "betrokkenheid-van-actor", _actor_iri=actor)
    via = {(r["resource"], r["property"].removeprefix(base), r["via"]) for r in found}
    assert ("id/document/kst-28638-188", "def#signedAs", "id/functie/staatssecretaris-jenv") in via
    assert (
        "id/activiteit/onderzoek-ckm-criminele-uitbuiting-drugs",
        "def#fundedBy",
        "id/organisatie/ministerie-jenv",
    ) in via
    assert {r["_actor_iri"] for r in found} == {"id/organisatie/ministerie-jenv"}
    person = iri(base, "id/persoon/ankie-broekers-knol")
    signed = rows(store, base, "betrokkenheid-van-actor", _actor_iri=person)
    assert {r["via"] for r in signed} == {
        "id/persoon/ankie-broekers-knol",
        "id/functie/staatssecretaris-jenv",
    }


def test_an_unknown_actor_is_involved_in_nothing(store: ox.Store, base: str) -> None:
    unknown = iri(base, "id/organisatie/bestaat-niet")
    assert rows(store, base, "betrokkenheid-van-actor", _actor_iri=unknown) == []


@pytest.mark.parametrize(
    "resource",
    [
        "id/toezegging/voortgang-expertsessies",
        "id/besluit/dadermonitor-3",
        "id/observatie/comensha-registraties-2019",
        "id/casus/michel",
    ],
)
def test_passages_quote_the_letter_at_their_offsets(
    store: ox.Store, base: str, resource: str
) -> None:
    letter = LETTER.read_text(encoding="utf-8")
    found = rows(store, base, "passage-van-bewering", _resource_iri=iri(base, resource))
    assert found
    for r in found:
        assert letter[r["start"] : r["end"]] == r["quote"]
        assert r["sourceText"] == "id/document/kst-28638-188/tekst"
        assert r["document"] == "id/document/kst-28638-188"
    assert [r["start"] for r in found] == sorted(r["start"] for r in found)


def test_label_search_ranks_exact_then_prefix_then_contains(store: ox.Store, base: str) -> None:
    found = rows(store, base, "zoek-op-label", _zoekterm=ox.Literal("ckm"))
    assert found[0]["resource"] == "id/organisatie/ckm" and found[0]["score"] == 0
    scores = [r["score"] for r in found]
    assert scores == sorted(scores) and set(scores) == {0, 1, 2}
    assert all("ckm" in r["label"].lower() for r in found)
    assert len(rows(store, base, "zoek-op-label", _zoekterm=ox.Literal("e"))) == 50


def test_label_search_in_one_language(store: ox.Store, base: str) -> None:
    english = ox.Literal("en")
    found = rows(store, base, "zoek-op-label", _zoekterm=ox.Literal("human"), __taal=english)
    assert found and all("human" in r["label"].lower() for r in found)
    dutch = rows(
        store, base, "zoek-op-label", _zoekterm=ox.Literal("human"), __taal=ox.Literal("nl")
    )
    assert dutch == []


@pytest.mark.parametrize(
    "term", [INJECTION, '"} #', "}", "SERVICE <http://127.0.0.1:9/> {}", "\\", ""]
)
def test_a_search_term_is_data_not_query_text(store: ox.Store, base: str, term: str) -> None:
    assert rows(store, base, "zoek-op-label", _zoekterm=ox.Literal(term)) == []


def test_discrepancies_in_english_and_in_dutch(store: ox.Store, base: str) -> None:
    dutch = rows(store, base, "discrepanties")
    english = rows(store, base, "discrepanties", __taal=ox.Literal("en"))
    assert len(dutch) == 25 and english
    assert {r["resource"] for r in english} <= {r["resource"] for r in dutch}
    assert any("25 januari" in r["discrepancy"] for r in dutch)
    assert rows(store, base, "discrepanties", __taal=ox.Literal(INJECTION)) == []


def test_the_hierarchy_of_another_concept_scheme(store: ox.Store, base: str) -> None:
    scheme = iri(base, "id/begrippenkader/doelgroep")
    found = rows(store, base, "hierarchie-uitbuitingsvormen", __begrippenkader_iri=scheme)
    depth = {r["concept"].removeprefix("id/begrip/doelgroep/"): r["depth"] for r in found}
    assert depth["jongeren"] == 0
    assert depth["kwetsbare-jongeren"] == 1
    assert depth["jongeren-12-16"] == 2


def test_tooi_organisations_need_a_loaded_tooi_list(store: ox.Store, base: str) -> None:
    # The built graph holds no external graphs, so the join with a TOOI list is empty.
    assert rows(store, base, "tooi-organisaties-van-actoren") == []
