"""Serve the home page and the overview pages: recommendations, actors, documents,
interventions, research, the timeline, the statistics and the label search."""

from __future__ import annotations

import datetime

import pyoxigraph as ox
from flask import Blueprint, Response, request

from server.errors import HttpError
from server.web import language, overviews
from server.web.charts import BarChart, bar_chart
from server.web.labels import Labeller
from server.web.overviews import Item
from server.web.query_files import run_named_query
from server.web.render import html_page
from server.web.sparql_rows import select
from server.web.state import cached, labeller
from server.web.timeline import WrittenDate, parse_date
from server.web.views import iri_view

blueprint = Blueprint("site", __name__)

MAX_SEARCH_CHARS = 200
LETTER = "id/document/kst-28638-188"
_TIMELINE_KINDS = (
    ("event_time", "event"),
    ("deadline", "commitment_deadline"),
    ("due", "activity_due"),
)


def _items(name: str) -> dict[str, Item]:
    return cached(name, lambda: overviews.collect(getattr(overviews, name)))


def _names() -> Labeller:
    return labeller(language.requested())


@blueprint.route("/")
def home() -> Response:
    """Say what the dataset is, where it comes from, its licence and what it holds."""
    names = _names()
    counts = cached("class counts", _class_counts)
    licences = cached("licences", _licences)
    documents = _items("DOCUMENTS")
    letter = documents.get(names.iris.iri_for_path(LETTER))
    return html_page(
        "home.html",
        counts=[(iri_view(iri, names), n) for iri, n in counts],
        licences=[iri_view(iri, names) for iri in licences],
        letter=iri_view(letter.iri, names) if letter else None,
        letter_official=letter.iris("official") if letter else [],
    )


@blueprint.route("/aanbevelingen")
def recommendations() -> Response:
    """List the recommendations with the cabinet's decisions, actions and commitments."""
    items = sorted(
        _items("RECOMMENDATIONS").values(),
        key=lambda i: (i.iris("report"), i.number("number") or 99, i.iri),
    )
    return html_page("recommendations.html", items=items, v=iri_view, names=_names())


@blueprint.route("/actoren")
def actors() -> Response:
    """List the organisations, posts, people and regions, most mentioned first."""
    items = sorted(_items("ACTORS").values(), key=lambda i: (-(i.number("mentions") or 0), i.iri))
    return html_page("actors.html", items=items, v=iri_view, names=_names())


@blueprint.route("/documenten")
def documents() -> Response:
    """List the documents the letter is, has or cites."""
    items = sorted(_items("DOCUMENTS").values(), key=lambda i: (-(i.number("cited") or 0), i.iri))
    return html_page("documents.html", items=items, v=iri_view, names=_names())


@blueprint.route("/interventies")
def interventions() -> Response:
    """List the interventions with their target groups and ages."""
    items = sorted(_items("INTERVENTIONS").values(), key=lambda i: i.iri)
    return html_page("interventions.html", items=items, v=iri_view, names=_names())


@blueprint.route("/onderzoek")
def research() -> Response:
    """List the research, explorations and pilots by status, with who and when."""
    names = _names()
    dates = _written_dates(names)
    items = sorted(
        _items("RESEARCH").values(),
        key=lambda i: (names(i.iris("status")[0]) if i.iris("status") else "", i.iri),
    )
    return html_page(
        "research.html", items=items, v=iri_view, names=names, dates=dates, today=_today()
    )


@blueprint.route("/tijdlijn")
def timeline() -> Response:
    """Put events, commitment deadlines and due dates in date order, past or due as of today."""
    names = _names()
    dates = _written_dates(names)
    entries, without_deadline = [], []
    for item in _items("TIMELINE").values():
        is_commitment = names.iris.base + "def#Commitment" in item.iris("type")
        for key, kind in _TIMELINE_KINDS:
            for time_iri in item.iris(key):
                if time_iri in dates:
                    entries.append((dates[time_iri], kind, item))
        if is_commitment and not item.iris("deadline"):
            without_deadline.append(item)
    entries.sort(key=lambda entry: (entry[0].sort_key, entry[1], entry[2].iri))
    return html_page(
        "timeline.html",
        entries=entries,
        without_deadline=sorted(without_deadline, key=lambda i: names(i.iri)),
        v=iri_view,
        names=names,
        today=_today(),
    )


@blueprint.route("/cijfers")
def statistics() -> Response:
    """Chart the Data Cube observations per statistical variable, and list every figure."""
    names = _names()
    observations = list(_items("OBSERVATIONS").values())
    charts = _charts(observations, names)
    observations.sort(key=lambda o: (names(o.iris("variable")[0]), _period_order(o)))
    return html_page(
        "statistics.html", charts=charts, observations=observations, v=iri_view, names=names
    )


@blueprint.route("/zoeken")
def search() -> Response:
    """Find resources by label: exact matches first, then prefixes, then other matches."""
    term = (request.args.get("q") or "").strip()
    if len(term) > MAX_SEARCH_CHARS:
        raise HttpError(400, f"The search term is longer than {MAX_SEARCH_CHARS} characters.")
    names = _names()
    results = []
    if term:
        rows = run_named_query("zoek-op-label", {"zoekterm": term}).rows
        for row in rows:
            resource = row.get("resource")
            if isinstance(resource, ox.NamedNode):
                matched = row["label"].value if "label" in row else ""
                results.append((iri_view(resource.value, names), matched, int(row["score"].value)))
    return html_page("search.html", search_term=term, results=results, cache=bool(term))


def _today() -> datetime.date:
    return datetime.date.today()


def _class_counts() -> tuple[list[tuple[str, int]], str]:
    rows = select(overviews.CLASS_COUNTS)
    return [(r["class"].value, int(r["count"].value)) for r in rows.rows], rows.store_version


def _licences() -> tuple[list[str], str]:
    rows = select(overviews.LICENCES)
    found = [r["licence"].value for r in rows.rows if isinstance(r["licence"], ox.NamedNode)]
    return sorted(set(found)), rows.store_version


def _written_dates(names: Labeller) -> dict[str, WrittenDate]:
    dates = {}
    for item in _items("TIME_NODES").values():
        day, earliest, latest = (item.first(k) for k in ("day", "earliest", "latest"))
        dates[item.iri] = WrittenDate(
            item.iri,
            names(item.iri),
            item.text("label", "nl"),
            parse_date(day.value if day is not None else None),
            parse_date(earliest.value if earliest is not None else None),
            parse_date(latest.value if latest is not None else None),
        )
    return dates


def _period_order(observation: Item) -> tuple[float, str]:
    year = observation.number("year")
    start = observation.first("period_start")
    return (year or 0.0, start.value if start is not None else "")


def _charts(observations: list[Item], names: Labeller) -> list[BarChart]:
    # One chart per variable, unit and source: figures from different reports are not a series.
    series: dict[tuple[str, ...], list[Item]] = {}
    for observation in observations:
        for variable in observation.iris("variable"):
            key = (variable, *observation.iris("unit")[:1], *observation.iris("source")[:1])
            series.setdefault(key, []).append(observation)
    charts = []
    for (variable, *unit_and_source), group in series.items():
        if len(group) < 2:
            continue  # one figure is a number, not a chart; the table lists it
        group.sort(key=_period_order)
        title = names(variable) + "".join(f" · {names(iri)}" for iri in unit_and_source)
        points = [
            (names(o.iris("period")[0]) if o.iris("period") else "?", o.number("value") or 0.0)
            for o in group
        ]
        hrefs = [iri_view(o.iri, names).href for o in group]
        charts.append(bar_chart(title, points, hrefs))
    return sorted(charts, key=lambda chart: chart.title.lower())
