"""Write deterministic, government-shaped RDF in the shape of our model (docs/MODEL.md).

Organisations with TOOI-like codes (gemeenten gm0363, ministeries mnre1058, provincies,
waterschappen), their units, posts and the people holding them; Kamerstukken with kst
identifiers, dossier and sub numbers, dates and signatories; reports and the
recommendations they make; the cabinet's decisions on them; policy activities;
commitments with and without deadlines; dated periods; and Data Cube observations. The
terms are the project's own (`mh:` = `{base}def#`) and the W3C ones it reuses, and the
controlled lists are the curated concepts, so the queries of the benchmark mean the same on
the curated graph and on the generated data. Every generated IRI has a `gen-` reference, so
none collides with a curated one.

The same seed and size always give the same bytes:

    python -m benchmarks.generate OUTPUT.nq --triples 100000
"""

from __future__ import annotations

import argparse
import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASE = "https://mensenhandel-kg.nl/"
SEED = 20210219

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
QB = "http://purl.org/linked-data/cube#"
TIME = "http://www.w3.org/2006/time#"
TOOIONT = "https://identifier.overheid.nl/tooi/def/ont/"
SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"

FIRST_YEAR, LAST_YEAR = 2010, 2025
# Parts of invented Dutch place names: "Oosterveen", "Nieuwdam aan de Maas".
NAME_STARTS = (
    "Ooster", "Wester", "Noord", "Zuid", "Nieuw", "Oud", "Hoog", "Laag", "Groot", "Klein",
    "Berg", "Linde", "Eiken", "Beuk", "Hazel", "Wolde", "Zand", "Klei", "Molen", "Kerk",
)  # fmt: skip
NAME_ENDS = (
    "veen", "dam", "dijk", "horst", "broek", "wijk", "hout", "sloot", "lo", "rade",
    "burg", "drecht", "hoven", "zijl", "meer", "schoten", "berg", "beek", "haven", "woude",
)  # fmt: skip
RIVERS = ("Maas", "Waal", "IJssel", "Vecht", "Lek", "Amstel", "Dommel", "Regge", "Linge", "Eem")
TOPICS = (
    "mensenhandel", "arbeidsuitbuiting", "criminele uitbuiting", "seksuele uitbuiting",
    "jeugdcriminaliteit", "ondermijning", "arbeidsmigratie", "prostitutiebeleid",
    "slachtofferhulp", "resocialisatie", "opsporing", "preventie", "vakantieparken",
    "uitzendbureaus", "online platforms", "doorlooptijden",
)  # fmt: skip
DOCUMENT_KINDS = ("Brief", "Beleidsreactie", "Voortgangsrapportage", "Verslag", "Nota")
ACTIVITY_CLASSES = ("Programme", "ResearchProject", "Pilot", "Exploration", "Meeting")
ORGANISATION_KINDS = (
    # (TOOI class, code prefix, name prefix, share of all organisations)
    ("Gemeente", "gm", "Gemeente", 70),
    ("Waterschap", "ws", "Waterschap", 10),
    ("Provincie", "pv", "Provincie", 8),
    ("Ministerie", "mnre", "Ministerie van", 4),
    ("Zelfstandigbestuursorgaan", "oorg", "Agentschap", 8),
)
STATUS = ("besluitstatus/overgenomen", "besluitstatus/betrokken-bij-verkenning")
ACTIVITY_STATUS = (
    "activiteitstatus/gepland",
    "activiteitstatus/lopend",
    "activiteitstatus/afgerond",
)
COMMITMENT_TYPES = (
    "toezeggingtype/informeren", "toezeggingtype/in-gesprek-gaan",
    "toezeggingtype/organiseren", "toezeggingtype/implementeren",
)  # fmt: skip
SUBJECTS = (
    "onderwerp/preventie", "onderwerp/resocialisatie", "onderwerp/lokaal-zicht",
    "onderwerp/opsporing-en-vervolging", "onderwerp/uitzendbureaus", "onderwerp/doorlooptijden",
    "uitbuitingsvorm/arbeidsuitbuiting", "uitbuitingsvorm/criminele-uitbuiting",
    "uitbuitingsvorm/seksuele-uitbuiting",
)  # fmt: skip
VARIABLES = (
    "gesignaleerde-incidenten", "geregistreerde-verdachten",
    "geregistreerde-mogelijke-slachtoffers", "gemiddelde-strafduur",
    "geanalyseerde-opsporingsonderzoeken", "geanalyseerde-uitspraken",
)  # fmt: skip
UNITS = ("eenheid/aantal", "eenheid/aantal", "eenheid/aantal", "eenheid/dagen", "eenheid/aantal")
MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """How many of each kind of thing a data set of `triples` triples gets."""

    triples: int

    @property
    def organisations(self) -> int:
        return max(50, self.triples // 250)

    @property
    def documents(self) -> int:
        return max(20, self.triples // 60)

    @property
    def recommendations(self) -> int:
        return max(10, self.triples // 90)

    @property
    def activities(self) -> int:
        return max(10, self.triples // 200)

    @property
    def commitments(self) -> int:
        return max(10, self.triples // 110)


class Vocabulary:
    """Turn local names into N-Quads terms under one base."""

    def __init__(self, base: str) -> None:
        self.base = base

    def id(self, path: str) -> str:
        return f"<{self.base}id/{path}>"

    def mh(self, name: str) -> str:
        return f"<{self.base}def#{name}>"

    def concept(self, path: str) -> str:
        return self.id(f"begrip/{path}")


def iri(namespace: str, name: str) -> str:
    """Return the N-Quads IRI `namespace` + `name`."""
    return f"<{namespace}{name}>"


def text(value: str, language: str | None = "nl") -> str:
    """Return a string literal, language-tagged unless `language` is None."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{language}' if language else f'"{escaped}"'


def typed(value: object, datatype: str) -> str:
    """Return a literal of the XSD `datatype`."""
    return f'"{value}"^^<{XSD}{datatype}>'


def place_name(number: int) -> str:
    """Return the invented place name number `number`; distinct for distinct numbers."""
    start = NAME_STARTS[number % len(NAME_STARTS)]
    end = NAME_ENDS[(number // len(NAME_STARTS)) % len(NAME_ENDS)]
    river = number // (len(NAME_STARTS) * len(NAME_ENDS))
    name = start + end
    if river:
        name += f" aan de {RIVERS[(river - 1) % len(RIVERS)]}"
        if river > len(RIVERS):
            name += f" {river // len(RIVERS) + 1}"
    return name


class Generator:
    """Yield the triples of a generated data set, one subject at a time."""

    def __init__(self, triples: int, base: str = DEFAULT_BASE, seed: int = SEED) -> None:
        self.plan = Plan(triples)
        self.v = Vocabulary(base)
        self.rng = random.Random(seed)
        self.organisations: list[str] = []
        self.ministries: list[str] = []
        self.posts: list[str] = []
        self.documents: list[str] = []
        self.reports: list[str] = []
        self.recommendations: list[str] = []
        self.activities: list[str] = []

    def triples(self) -> Iterator[tuple[str, str, str]]:
        """Yield (subject, predicate, object) in N-Quads syntax; never ends on its own."""
        yield from self._time()
        yield from self._organisations()
        yield from self._documents()
        yield from self._recommendations_and_decisions()
        yield from self._activities()
        yield from self._commitments()
        yield from self._observations()

    # --- time: years and months as in data/time.ttl
    def _time(self) -> Iterator[tuple[str, str, str]]:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            node = self.v.id(f"tijd/gen-{year}")
            yield node, iri(RDF, "type"), iri(TIME, "ProperInterval")
            yield node, iri(RDFS, "label"), text(str(year))
            yield node, iri(TIME, "inXSDgYear"), typed(year, "gYear")
            yield node, self.v.mh("earliest"), typed(f"{year}-01-01", "date")
            yield node, self.v.mh("latest"), typed(f"{year}-12-31", "date")
            for month in range(1, 13):
                node = self.v.id(f"tijd/gen-{year}-{month:02d}")
                last = _last_day(year, month)
                yield node, iri(RDF, "type"), iri(TIME, "ProperInterval")
                yield node, iri(RDFS, "label"), text(f"eind {MONTHS_NL[month - 1]} {year}")
                yield node, iri(TIME, "inXSDgYearMonth"), typed(f"{year}-{month:02d}", "gYearMonth")
                yield node, self.v.mh("latest"), typed(last.isoformat(), "date")
                yield node, self.v.mh("qualifier"), self.v.concept("tijdsaanduiding/eind")

    # --- organisations, units, posts, people
    def _organisations(self) -> Iterator[tuple[str, str, str]]:
        total_share = sum(kind[3] for kind in ORGANISATION_KINDS)
        number = 0
        for tooi_class, code_prefix, name_prefix, share in ORGANISATION_KINDS:
            for index in range(max(1, self.plan.organisations * share // total_share)):
                code = f"{code_prefix}{(1000 if code_prefix == 'mnre' else 0) + index + 1:04d}"
                name = f"{name_prefix} {place_name(number)}"
                number += 1
                yield from self._organisation(tooi_class, code, name)

    def _organisation(
        self, tooi_class: str, code: str, name: str
    ) -> Iterator[tuple[str, str, str]]:
        org = self.v.id(f"organisatie/gen-{code}")
        self.organisations.append(org)
        yield org, iri(RDF, "type"), self.v.mh("GovernmentBody")
        yield org, iri(RDF, "type"), iri(TOOIONT, tooi_class)
        if tooi_class == "Gemeente":
            yield org, iri(RDF, "type"), self.v.mh("Municipality")
        yield org, iri(SKOS, "prefLabel"), text(name)
        yield org, iri(RDFS, "label"), text(name)
        yield org, iri(SKOS, "altLabel"), text(code.upper())
        yield org, iri(DCT, "identifier"), text(code, None)
        if tooi_class == "Ministerie":
            self.ministries.append(org)
            yield from self._units(org, code, name)
        post = self.v.id(f"functie/gen-{code}-bestuurder")
        person = self.v.id(f"persoon/gen-{code}-bestuurder")
        title = "minister" if tooi_class == "Ministerie" else "bestuurder"
        self.posts.append(post)
        yield post, iri(RDF, "type"), iri(ORG, "Post")
        yield post, iri(RDFS, "label"), text(f"{title} ({name})")
        yield post, iri(ORG, "postIn"), org
        yield person, iri(RDF, "type"), iri(FOAF, "Person")
        yield person, iri(FOAF, "name"), text(f"A. {place_name(len(self.posts) * 7)}", None)
        yield person, iri(ORG, "holds"), post

    def _units(self, org: str, code: str, name: str) -> Iterator[tuple[str, str, str]]:
        """Yield three directorates of a ministry with two teams each: paths to walk."""
        for unit_number in range(1, 4):
            unit = self.v.id(f"organisatie/gen-{code}-dir{unit_number}")
            topic = TOPICS[self.rng.randrange(len(TOPICS))]
            yield unit, iri(RDF, "type"), iri(ORG, "OrganizationalUnit")
            yield unit, iri(RDFS, "label"), text(f"Directie {topic}, {name}")
            yield unit, iri(ORG, "unitOf"), org
            yield unit, iri(ORG, "subOrganizationOf"), org
            for team_number in range(1, 3):
                team = self.v.id(f"organisatie/gen-{code}-dir{unit_number}-team{team_number}")
                yield team, iri(RDF, "type"), iri(ORG, "OrganizationalUnit")
                yield team, iri(RDFS, "label"), text(f"Team {team_number} {topic}, {name}")
                yield team, iri(ORG, "subOrganizationOf"), unit

    # --- Kamerstukken and reports
    def _documents(self) -> Iterator[tuple[str, str, str]]:
        for number in range(self.plan.documents):
            year = FIRST_YEAR + number * (LAST_YEAR - FIRST_YEAR + 1) // self.plan.documents
            issued = datetime.date(year, 1, 1) + datetime.timedelta(days=self.rng.randrange(365))
            topic = TOPICS[self.rng.randrange(len(TOPICS))]
            author = self.rng.randrange(len(self.organisations))
            if number % 4 == 3:
                yield from self._report(number, issued, topic, author)
                continue
            dossier, sub = 30000 + number // 40, number % 40 + 1
            reference = f"kst-{dossier}-{sub}"
            doc = self.v.id(f"document/gen-{reference}")
            kind = DOCUMENT_KINDS[number % len(DOCUMENT_KINDS)]
            self.documents.append(doc)
            title = f"{kind} over {topic} ({issued.year})"
            yield doc, iri(RDF, "type"), self.v.mh("Kamerstuk")
            yield doc, iri(RDF, "type"), self.v.mh("Letter")
            yield doc, iri(RDFS, "label"), text(f"Kamerstuk {dossier}, nr. {sub}")
            yield doc, iri(DCT, "title"), text(title)
            yield doc, iri(DCT, "identifier"), text(reference, None)
            yield doc, self.v.mh("dossierNumber"), text(str(dossier), None)
            yield doc, self.v.mh("subNumber"), text(str(sub), None)
            yield doc, self.v.mh("parliamentaryYear"), text(f"{year - 1}-{year}", None)
            yield doc, iri(DCT, "issued"), typed(issued.isoformat(), "date")
            yield doc, iri(DCT, "creator"), self.organisations[author]
            yield doc, self.v.mh("signedAs"), self.posts[author]
            yield doc, self.v.mh("addressee"), self.v.id("organisatie/tweede-kamer")
            yield doc, self.v.mh("topic"), self.v.concept(SUBJECTS[number % len(SUBJECTS)])
            if len(self.documents) > 1:
                cited = self.documents[self.rng.randrange(len(self.documents) - 1)]
                yield doc, iri(DCT, "references"), cited

    def _report(
        self, number: int, issued: datetime.date, topic: str, author: int
    ) -> Iterator[tuple[str, str, str]]:
        report = self.v.id(f"document/gen-rapport-{number}")
        self.reports.append(report)
        yield report, iri(RDF, "type"), self.v.mh("Report")
        yield report, iri(RDFS, "label"), text(f"Rapport {topic} {issued.year} ({number})")
        yield report, iri(DCT, "title"), text(f"Monitor {topic} {issued.year - 4}-{issued.year}")
        yield report, iri(DCT, "issued"), typed(issued.isoformat(), "date")
        yield report, iri(DCT, "creator"), self.organisations[author]
        yield report, iri(DCT, "publisher"), self.organisations[author]

    # --- recommendations and the cabinet's decisions
    def _recommendations_and_decisions(self) -> Iterator[tuple[str, str, str]]:
        for number in range(self.plan.recommendations):
            report_index = number % len(self.reports)
            report = self.reports[report_index]
            recommendation = self.v.id(f"aanbeveling/gen-{number}")
            by = self.organisations[(report_index * 31) % len(self.organisations)]
            topic = TOPICS[number % len(TOPICS)]
            self.recommendations.append(recommendation)
            yield recommendation, iri(RDF, "type"), self.v.mh("Recommendation")
            yield recommendation, iri(RDFS, "label"), text(f"Aanbeveling {number}: {topic}")
            yield recommendation, iri(RDFS, "label"), text(f"Recommendation {number}", "en")
            yield (
                recommendation,
                self.v.mh("recommendationNumber"),
                typed(number // len(self.reports) + 1, "positiveInteger"),
            )
            yield recommendation, iri(DCT, "title"), text(f"Versterk de aanpak van {topic}.")
            yield recommendation, self.v.mh("recommendedBy"), by
            yield recommendation, iri(DCT, "source"), report
            yield recommendation, self.v.mh("topic"), self.v.concept(SUBJECTS[number % 9])
            if number % 5 == 4:
                continue  # not (yet) answered: the OPTIONAL in the queries finds no decision
            decision = self.v.id(f"besluit/gen-{number}")
            yield decision, iri(RDF, "type"), self.v.mh("Decision")
            yield decision, iri(RDFS, "label"), text(f"Besluit op aanbeveling {number}")
            yield decision, self.v.mh("respondsTo"), recommendation
            yield decision, self.v.mh("decisionStatus"), self.v.concept(STATUS[number % 2])
            yield decision, self.v.mh("decidedBy"), self.posts[number % len(self.posts)]

    # --- programmes, research, pilots, explorations, meetings
    def _activities(self) -> Iterator[tuple[str, str, str]]:
        for number in range(self.plan.activities):
            activity = self.v.id(f"activiteit/gen-{number}")
            kind = ACTIVITY_CLASSES[number % len(ACTIVITY_CLASSES)]
            topic = TOPICS[self.rng.randrange(len(TOPICS))]
            self.activities.append(activity)
            year = FIRST_YEAR + number % (LAST_YEAR - FIRST_YEAR + 1)
            yield activity, iri(RDF, "type"), self.v.mh(kind)
            yield activity, iri(RDFS, "label"), text(f"{kind} {topic} {number}")
            yield activity, self.v.mh("carriedOutBy"), self.organisations[number % 97]
            yield activity, self.v.mh("status"), self.v.concept(ACTIVITY_STATUS[number % 3])
            yield activity, self.v.mh("topic"), self.v.concept(SUBJECTS[number % 9])
            yield activity, self.v.mh("due"), self.v.id(f"tijd/gen-{year}-{number % 12 + 1:02d}")
            if number >= 5:
                yield activity, self.v.mh("partOf"), self.activities[number // 5]
            decision_number = number * 3 % len(self.recommendations)
            if decision_number % 5 != 4:
                decision = self.v.id(f"besluit/gen-{decision_number}")
                yield decision, self.v.mh("action"), activity

    # --- commitments to the Kamer, some without a deadline
    def _commitments(self) -> Iterator[tuple[str, str, str]]:
        for number in range(self.plan.commitments):
            commitment = self.v.id(f"toezegging/gen-{number}")
            topic = TOPICS[number % len(TOPICS)]
            yield commitment, iri(RDF, "type"), self.v.mh("Commitment")
            yield commitment, iri(RDFS, "label"), text(f"Kamer informeren over {topic} ({number})")
            yield (
                commitment,
                iri(DCT, "description"),
                text(f"De Kamer wordt geïnformeerd over {topic}."),
            )
            yield commitment, self.v.mh("promisedBy"), self.posts[number % len(self.posts)]
            yield commitment, self.v.mh("promisedTo"), self.v.id("organisatie/tweede-kamer")
            yield (
                commitment,
                self.v.mh("concerns"),
                self.recommendations[number % len(self.recommendations)],
            )
            yield (
                commitment,
                self.v.mh("commitmentType"),
                self.v.concept(COMMITMENT_TYPES[number % 4]),
            )
            if number % 3 != 2:
                year = FIRST_YEAR + number % (LAST_YEAR - FIRST_YEAR + 1)
                yield (
                    commitment,
                    self.v.mh("deadline"),
                    self.v.id(f"tijd/gen-{year}-{number % 12 + 1:02d}"),
                )

    # --- Data Cube observations, until the size is reached
    def _observations(self) -> Iterator[tuple[str, str, str]]:
        dataset = self.v.id("dataset/gen-cijfers")
        yield dataset, iri(RDF, "type"), iri(QB, "DataSet")
        yield dataset, iri(RDFS, "label"), text("Gegenereerde cijfers voor de benchmark")
        number = 0
        while True:
            observation = self.v.id(f"observatie/gen-{number}")
            variable = VARIABLES[number % len(VARIABLES)]
            year = FIRST_YEAR + (number // len(VARIABLES)) % (LAST_YEAR - FIRST_YEAR + 1)
            organisation = self.organisations[number // 97 % len(self.organisations)]
            yield observation, iri(RDF, "type"), iri(QB, "Observation")
            yield observation, iri(QB, "dataSet"), dataset
            yield (
                observation,
                self.v.mh("statisticalVariable"),
                self.v.concept(f"statistische-variabele/{variable}"),
            )
            yield observation, iri(SDMX_DIMENSION, "refPeriod"), self.v.id(f"tijd/gen-{year}")
            yield (
                observation,
                self.v.mh("observedValue"),
                typed(self.rng.randrange(5, 5000), "decimal"),
            )
            yield observation, iri(SDMX_ATTRIBUTE, "unitMeasure"), self.v.concept(UNITS[number % 5])
            yield observation, self.v.mh("registeredBy"), organisation
            yield observation, iri(DCT, "source"), self.documents[number % len(self.documents)]
            number += 1


def _last_day(year: int, month: int) -> datetime.date:
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def write_nquads(path: Path, triples: int, graph: str, base: str = DEFAULT_BASE) -> int:
    """Write exactly `triples` triples into `graph` as N-Quads at `path`; return the count."""
    graph_term = f"<{graph}>"
    written = 0
    with open(path, "w", encoding="utf-8") as output:
        for subject, predicate, obj in Generator(triples, base).triples():
            if written == triples:
                break
            output.write(f"{subject} {predicate} {obj} {graph_term} .\n")
            written += 1
    return written


def main(argv: list[str] | None = None) -> None:
    """Write a generated data set from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--base", default=DEFAULT_BASE)
    parser.add_argument("--graph", help="named graph IRI (default {base}graph/benchmark/generated)")
    args = parser.parse_args(argv)
    graph = args.graph or f"{args.base}graph/benchmark/generated"
    count = write_nquads(args.output, args.triples, graph, args.base)
    print(f"wrote {count} triples into <{graph}> in {args.output}")


if __name__ == "__main__":
    main()
