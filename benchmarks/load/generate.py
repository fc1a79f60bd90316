"""Write a deterministic, government-shaped N-Triples file of exactly N triples.

Organisations (ministries, municipalities, agencies) publish documents (letters, reports,
decisions) on dates; the shape resembles the TOOI organisation lists and the parliamentary
papers that `mhkg load` is meant for. The same N always gives the same bytes.

    python benchmarks/load/generate.py OUTPUT.nt [--triples 1000000]
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

BASE = "https://example.org/gov/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT = "http://purl.org/dc/terms/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
TOOIONT = "https://identifier.overheid.nl/tooi/def/ont/"
ORGANISATION_KINDS = ("Ministerie", "Gemeente", "Zbo", "Overheidsorganisatie")
DOCUMENT_KINDS = ("Brief", "Rapport", "Besluit", "Kamerstuk")
TOPICS = ("mensenhandel", "arbeidsmigratie", "jeugd", "veiligheid", "zorg", "onderwijs")
ORGANISATIONS = 5_000
SEED = 20210219


def iri(value: str) -> str:
    """Return `value` as an N-Triples IRI."""
    return f"<{value}>"


def literal(value: str, suffix: str = "") -> str:
    """Return `value` as an N-Triples literal; `suffix` is a language tag or datatype."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"{suffix}'


def organisation_triples(number: int) -> Iterator[str]:
    """Yield the four triples that describe organisation `number`."""
    subject = iri(f"{BASE}id/organisatie/org{number:05d}")
    kind = ORGANISATION_KINDS[number % len(ORGANISATION_KINDS)]
    yield f"{subject} {iri(RDF_TYPE)} {iri(TOOIONT + kind)} ."
    yield f"{subject} {iri(RDFS_LABEL)} {literal(f'{kind} {number}', '@nl')} ."
    yield f"{subject} {iri(DCT + 'identifier')} {literal(f'org{number:05d}')} ."
    yield f"{subject} {iri(DCT + 'created')} {literal(_date(number), '^^' + iri(XSD_DATE))} ."


def document_triples(number: int, rng: random.Random) -> Iterator[str]:
    """Yield the eight triples that describe document `number`."""
    subject = iri(f"{BASE}id/document/doc{number:07d}")
    kind = DOCUMENT_KINDS[number % len(DOCUMENT_KINDS)]
    topic = TOPICS[rng.randrange(len(TOPICS))]
    publisher = rng.randrange(ORGANISATIONS)
    cited = rng.randrange(max(number, 1))
    yield f"{subject} {iri(RDF_TYPE)} {iri(BASE + 'def#' + kind)} ."
    yield f"{subject} {iri(DCT + 'title')} {literal(f'{kind} over {topic}, nr. {number}', '@nl')} ."
    yield f"{subject} {iri(DCT + 'identifier')} {literal(f'kst-{28000 + number % 997}-{number}')} ."
    yield f"{subject} {iri(DCT + 'issued')} {literal(_date(number), '^^' + iri(XSD_DATE))} ."
    yield f"{subject} {iri(DCT + 'publisher')} {iri(f'{BASE}id/organisatie/org{publisher:05d}')} ."
    yield f"{subject} {iri(DCT + 'subject')} {iri(f'{BASE}id/begrip/{topic}')} ."
    yield f"{subject} {iri(DCT + 'references')} {iri(f'{BASE}id/document/doc{cited:07d}')} ."
    yield f"{subject} {iri(DCT + 'format')} {literal('text/html')} ."


def triples(count: int) -> Iterator[str]:
    """Yield exactly `count` N-Triples lines: organisations first, then documents."""
    return itertools.islice(_all_lines(random.Random(SEED)), count)


def _all_lines(rng: random.Random) -> Iterator[str]:
    for number in range(ORGANISATIONS):
        yield from organisation_triples(number)
    number = 0
    while True:
        yield from document_triples(number, rng)
        number += 1


def _date(number: int) -> str:
    return (datetime.date(2000, 1, 1) + datetime.timedelta(days=number % 9000)).isoformat()


def write_triples(path: Path, count: int) -> None:
    """Write the first `count` triples to `path` as N-Triples."""
    with path.open("w", encoding="utf-8", newline="\n") as output:
        output.writelines(line + "\n" for line in triples(count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--triples", type=int, default=1_000_000)
    args = parser.parse_args()
    write_triples(args.output, args.triples)


if __name__ == "__main__":
    main()
