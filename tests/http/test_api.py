"""The named-query API over the real graph: every operation, formats, paging, errors, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import Settings
from tests.http.publication import real_app
from tests.http.support import RecordingListener

INJECTION = "nl\"') } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #"


@pytest.fixture(scope="module")
def app(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with real_app(built_settings, tmp_path_factory.mktemp("api") / "store") as app:
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def document(app: Flask) -> dict:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return json.loads(response.data)


def links(response) -> dict[str, dict[str, str]]:
    """Return the Link header as {rel: query parameters of the target}."""
    found = {}
    for target, rel in re.findall(r'<([^>]*)>; rel="([a-z]+)"', response.headers["Link"]):
        found[rel] = dict(parse_qsl(urlsplit(target).query))
    return found


def example_values(operation: dict) -> dict[str, str]:
    """Return a value for each required parameter, from the document's examples."""
    values = {}
    for parameter in operation["parameters"]:
        if parameter.get("required"):
            first = next(iter(parameter["examples"].values()))
            values[parameter["name"]] = first["value"]
    return values


# --------------------------------------------------------------------------------------------
# Every operation, as documented
# --------------------------------------------------------------------------------------------


def test_every_named_query_is_an_operation(document: dict) -> None:
    names = sorted(p.stem for p in (Path(__file__).parents[2] / "queries").glob("*.rq"))
    assert len(names) >= 28
    assert sorted(path.removeprefix("/api/") for path in document["paths"]) == names


def test_every_operation_answers_its_documented_example(client: FlaskClient, document) -> None:
    for path, item in document["paths"].items():
        operation = item["get"]
        response = client.get(path, query_string=example_values(operation))
        found = rows(response)
        total = int(response.headers["MHKG-Total-Rows"])
        assert len(found) == min(total, 50), path
        variables = operation["description"].rsplit("Columns: ", 1)[1].rstrip(".").split(", ")
        assert all(list(row) == variables for row in found), path
        if path != "/api/tooi-organisaties-van-actoren":  # needs a loaded TOOI list
            assert found, f"{path} answers its example with no rows"


def test_iris_come_with_their_label_and_numbers_as_numbers(client: FlaskClient) -> None:
    found = rows(client.get("/api/comensha-registraties"))
    assert [(row["year"], row["value"]) for row in found] == [(2018, 780), (2019, 1372)]
    observation = found[0]["observation"]
    assert set(observation) == {"iri", "label"}
    assert observation["iri"].endswith("id/observatie/comensha-registraties-2018")
    assert "780" in observation["label"] or "CoMensha" in observation["label"]


def test_booleans_and_unbound_values(client: FlaskClient) -> None:
    found = rows(client.get("/api/cijfers", query_string={"per_page": 1000}))
    assert {type(row["approximate"]) for row in found} <= {bool, type(None)}
    assert any(row["approximate"] is True for row in found)
    assert any(row["registeredByLabel"] is None for row in found)


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------

FORMATS = {
    "csv": ("text/csv", None),  # lossy: read with the csv module
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    "srj": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "srx": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
}


@pytest.mark.parametrize("short", FORMATS)
@pytest.mark.parametrize("how", ["accept", "format"])
def test_every_format_by_accept_and_by_format_parameter(
    client: FlaskClient, short: str, how: str
) -> None:
    media_type, results_format = FORMATS[short]
    if how == "accept":
        response = client.get("/api/comensha-registraties", headers={"Accept": media_type})
    else:
        response = client.get(
            "/api/comensha-registraties?format=" + short, headers={"Accept": "image/png"}
        )
    assert response.status_code == 200
    assert response.mimetype == media_type
    if results_format is None:
        table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert sorted(int(row["value"]) for row in table) == [780, 1372]
        return
    parsed = ox.parse_query_results(response.data, format=results_format)
    assert [v.value for v in parsed.variables][:2] == ["year", "value"]
    values = sorted(int(solution["value"].value) for solution in parsed)
    assert values == [780, 1372]


def test_csv_has_a_header_and_one_line_per_row(client: FlaskClient) -> None:
    response = client.get("/api/cijfers?format=csv&per_page=5")
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][:3] == ["observation", "variableLabel", "periodLabel"]
    assert len(table) == 6


def test_plain_json_is_the_default_and_unacceptable_formats_get_406(client: FlaskClient) -> None:
    assert client.get("/api/cijfers").mimetype == "application/json"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/api/cijfers", headers={"Accept": browser}).status_code == 200
    refused = client.get("/api/cijfers", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "application/json" in refused.get_data(as_text=True)
    unknown = client.get("/api/cijfers?format=yaml")
    assert unknown.status_code == 400 and "srj" in unknown.get_data(as_text=True)


# --------------------------------------------------------------------------------------------
# Paging
# --------------------------------------------------------------------------------------------


def test_pages_add_up_to_the_whole_answer(client: FlaskClient) -> None:
    whole = rows(client.get("/api/cijfers?per_page=1000"))
    assert len(whole) > 8
    pages, page, last = [], 1, None
    while page is not None and len(pages) < 20:  # bounded
        response = client.get(f"/api/cijfers?per_page=4&page={page}")
        pages += rows(response)
        found = links(response)
        last = int(found["last"]["page"])
        assert found["first"]["page"] == "1" and found["first"]["per_page"] == "4"
        assert ("prev" in found) == (page > 1)
        page = int(found["next"]["page"]) if "next" in found else None
    assert pages == whole
    assert last == -(-len(whole) // 4)
    assert int(response.headers["MHKG-Total-Rows"]) == len(whole)


def test_a_query_s_own_page_size_and_the_default(client: FlaskClient) -> None:
    response = client.get("/api/passage-van-bewering?resource=id/casus/michel")
    assert "per_page" not in links(response)["first"]  # kept only when the client gave it


@pytest.mark.parametrize(
    ("query_string", "status", "message"),
    [
        ("page=99", 404, "There is no page 99"),
        ("page=0", 400, "`page`"),
        ("page=two", 400, "`page`"),
        ("per_page=1001", 400, "at most 1000"),
        ("per_page=-5", 400, "`per_page`"),
        ("page=1&page=2", 400, "given 2 times"),
    ],
)
def test_bad_paging_is_refused(client: FlaskClient, query_string, status, message) -> None:
    response = client.get("/api/cijfers?" + query_string)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/betrokkenheid-van-actor", "`actor` is required"),
        ("/api/betrokkenheid-van-actor?actor=not%20an%20iri", "`actor` expects an IRI"),
        ("/api/betrokkenheid-van-actor?actor=", "`actor` expects an IRI"),
        ("/api/toezeggingen-voor-datum?datum=1%20april", "`datum` expects a date"),
        ("/api/toezeggingen-voor-datum?datum=2021-02-30", "`datum` expects a date"),
        ("/api/discrepanties?taal=fr", "`taal` must be one of: nl, en, *"),
        ("/api/cijfers?jaar=2019", "Unknown parameter `jaar`"),
        ("/api/zoek-op-label?zoekterm=a&zoekterm=b", "`zoekterm` is given 2 times"),
    ],
)
def test_a_wrong_parameter_gets_400_naming_it(client: FlaskClient, path, message) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert message in response.get_data(as_text=True)


def test_typed_parameters_are_bound(client: FlaskClient) -> None:
    found = rows(client.get("/api/toezeggingen-voor-datum?datum=2021-09-01"))
    assert [row["commitment"]["iri"].rsplit("/", 1)[1] for row in found] == [
        "tijdspad-aanbevelingen-aanjaagteam",
        "presentatie-jaarcijfers-veiligheidsagenda",
        "voortgang-expertsessies",
    ]
    actor = rows(client.get("/api/betrokkenheid-van-actor?actor=id/organisatie/ckm"))
    assert actor and {row["_actor_iri"]["iri"] for row in actor} == {
        "https://mensenhandel-kg.nl/id/organisatie/ckm"
    }


def test_an_absent_optional_parameter_takes_its_default(client: FlaskClient) -> None:
    default = rows(client.get("/api/discrepanties?per_page=1000"))
    dutch = rows(client.get("/api/discrepanties?taal=nl&per_page=1000"))
    english = rows(client.get("/api/discrepanties?taal=en&per_page=1000"))
    assert default == dutch and len(dutch) == 25
    assert english and english != dutch


# --------------------------------------------------------------------------------------------
# Injection: parameter values are data
# --------------------------------------------------------------------------------------------


def test_a_quote_brace_and_service_clause_in_a_parameter_are_data(client: FlaskClient) -> None:
    """Guards against grlc's injection bug (CLARIAH/grlc#101): values are never pasted."""
    with RecordingListener() as listener:
        service = listener.url.rsplit("/", 1)[0] + "/"
        attempts = [
            ("zoek-op-label", {"zoekterm": INJECTION.replace("127.0.0.1:9/", service[7:])}),
            ("zoek-op-label", {"zoekterm": f'"}} SERVICE <{service}> {{ ?s ?p ?o }} #'}),
            ("zoek-op-label", {"zoekterm": "'}", "taal": f"' }} SERVICE <{service}> {{ }}"}),
            ("betrokkenheid-van-actor", {"actor": service}),
            ("passage-van-bewering", {"resource": listener.url}),
        ]
        for name, values in attempts:
            response = client.get(f"/api/{name}", query_string=values)
            assert rows(response) == [], (name, values)
        refused = client.get(
            "/api/betrokkenheid-van-actor",
            query_string={"actor": f"x> }} SERVICE <{service}> {{ ?s ?p ?o }} #"},
        )
        assert refused.status_code == 400
    assert listener.connections == 0


# --------------------------------------------------------------------------------------------
# Caching
# --------------------------------------------------------------------------------------------


def test_revalidation_gets_304(client: FlaskClient) -> None:
    first = client.get("/api/cijfers?per_page=3")
    etag = first.headers["ETag"]
    assert client.get("/api/cijfers?per_page=3", headers={"If-None-Match": etag}).status_code == 304
    other = client.get("/api/cijfers?per_page=4")
    assert other.headers["ETag"] != etag
    assert first.headers["MHKG-Store-Version"]


def test_an_unknown_operation_gets_404(client: FlaskClient) -> None:
    response = client.get("/api/bestaat-niet")
    assert response.status_code == 404 and "/api/openapi.json" in response.get_data(as_text=True)


# --------------------------------------------------------------------------------------------
# The OpenAPI document and the docs page
# --------------------------------------------------------------------------------------------


def test_the_document_is_openapi_3_1_with_typed_documented_parameters(document: dict) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    components = document["components"]
    assert set(components["parameters"]) == {"page", "per_page", "format"}
    for path, item in document["paths"].items():
        operation = item["get"]
        assert operation["operationId"] and operation["summary"] and operation["description"]
        assert operation["tags"]
        for status in ("200", "304", "400", "404", "406", "503"):
            assert status in operation["responses"], (path, status)
        content = operation["responses"]["200"]["content"]
        assert set(content) == {
            "application/json",
            "text/csv",
            "text/tab-separated-values",
            "application/sparql-results+json",
            "application/sparql-results+xml",
        }
        for parameter in operation["parameters"]:
            if "$ref" in parameter:
                continue
            assert parameter["in"] == "query"
            assert parameter["description"] and "type" in parameter["schema"]
            assert parameter["examples"], (path, parameter["name"])
    for name in ("BadRequest", "NotFound", "NotAcceptable", "Unavailable"):
        assert "text/plain" in components["responses"][name]["content"]


def test_parameters_suggest_values_from_the_graph(document: dict) -> None:
    def parameter(path: str, name: str) -> dict:
        operation = document["paths"][path]["get"]
        return next(p for p in operation["parameters"] if p.get("name") == name)

    actor = parameter("/api/betrokkenheid-van-actor", "actor")
    assert actor["required"] is True
    assert actor["schema"]["format"] == "iri-reference"
    examples = {e["value"]: e.get("summary") for e in actor["examples"].values()}
    assert examples["https://mensenhandel-kg.nl/id/organisatie/ckm"] == (
        "Centrum tegen Kinderhandel en Mensenhandel"
    )
    assert "https://mensenhandel-kg.nl/id/persoon/ankie-broekers-knol" in examples
    scheme = parameter("/api/hierarchie-uitbuitingsvormen", "begrippenkader")
    assert scheme["schema"]["default"] == "id/begrippenkader/uitbuitingsvorm"
    assert any(
        v["value"].endswith("id/begrippenkader/doelgroep") for v in scheme["examples"].values()
    )
    language = parameter("/api/discrepanties", "taal")
    assert language["schema"]["enum"] == ["nl", "en", "*"]
    # An empty optional value counts as not given (an empty form field); a required one is refused.
    assert language["allowEmptyValue"] is True and "allowEmptyValue" not in actor
    day = parameter("/api/toezeggingen-voor-datum", "datum")
    assert day["schema"]["format"] == "date"
    assert next(iter(day["examples"].values()))["value"] == "2021-09-01"
    resource = parameter("/api/passage-van-bewering", "resource")
    assert len(resource["examples"]) == 50  # the first 50 of the resources with a passage


def test_the_docs_page_renders_the_document_without_outside_resources(
    client: FlaskClient, document: dict
) -> None:
    response = client.get("/api/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path, item in document["paths"].items():
        assert f'id="{item["get"]["operationId"]}"' in page
        assert f'action="{path}"' in page
    assert "<script" not in page
    assert not re.search(r'(?:src|href)="https?://(?!creativecommons)', page.split("<main>")[0])
    assert 'list="betrokkenheid-van-actor--actor"' in page  # suggested actors, no JavaScript
    assert client.get("/api").status_code in (301, 308)


def test_browser_clients_may_read_the_paging_headers(client: FlaskClient) -> None:
    exposed = client.get("/api/cijfers").headers["Access-Control-Expose-Headers"]
    assert "Link" in exposed and "MHKG-Total-Rows" in exposed
