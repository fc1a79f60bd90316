"""Place dates as the letter writes them on a timeline, and say whether each is past or due.

A date is kept as written ("eind 2021") with the bounds that are certainly true; it is
never turned into a made-up day. Whether it is past is decided from the bounds alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

PAST, DUE, UPCOMING, OPEN = "past", "due", "upcoming", "open"


@dataclass(frozen=True)
class WrittenDate:
    """A date as written, and what it certainly means."""

    iri: str
    written: str  # the label in the page's language
    as_written_nl: str | None  # the Dutch label: the letter's own words
    day: datetime.date | None
    earliest: datetime.date | None
    latest: datetime.date | None

    @property
    def sort_key(self) -> tuple[datetime.date, datetime.date]:
        """Order by the day, else the latest possible day, else the earliest; unknown last."""
        last = datetime.date.max
        first = self.day or self.latest or self.earliest or last
        return first, self.earliest or first

    def status(self, today: datetime.date) -> str:
        """Return past, due (today within the bounds), upcoming, or open (no end known)."""
        if self.day is not None:
            return PAST if self.day < today else UPCOMING if self.day > today else DUE
        if self.latest is not None and self.latest < today:
            return PAST
        if self.earliest is not None and self.earliest > today:
            return UPCOMING
        if self.latest is None:
            return OPEN
        return DUE


def parse_date(text: str | None) -> datetime.date | None:
    """Return an xsd:date value as a date, or None if it is absent or not a plain date."""
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None
