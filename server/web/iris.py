"""Map the IRIs we mint to the server's own paths, and shorten any IRI for display."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from server.errors import HttpError

# Characters that may stay as they are in a path (RFC 3986 pchar plus "/" and the fragment's "#").
_PATH_SAFE = "/#:@!$&'()*+,;=-._~"


class SiteIris:
    """Translate between IRIs under the configured base and paths on this server.

    The base maps to the server's root, so a request for /id/organisatie/ckm on any host
    (127.0.0.1:8000 in development) stands for {base}id/organisatie/ckm.
    """

    def __init__(self, base_iri: str, prefixes: dict[str, str]) -> None:
        self.base = base_iri
        # Longest namespace first, so `mhsh:` wins over `mh:` where both would fit.
        self._prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def iri_for_path(self, path: str) -> str:
        """Return the IRI that the server path `path` (e.g. "id/organisatie/ckm") stands for.

        Raise a 404 if the path makes no valid IRI (e.g. it holds `<` or a space): nothing
        can be there, and the store would refuse the IRI.
        """
        iri = self.base + path.lstrip("/")
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise HttpError(
                404,
                f"There is nothing here: the path does not make a valid IRI ({error}).",
                reason="absent",
            ) from error
        return iri

    def is_own(self, iri: str) -> bool:
        """Tell whether `iri` was minted under our base."""
        return iri.startswith(self.base)

    def page_path(self, iri: str) -> str | None:
        """Return the local path of the page about `iri`, or None if it is not ours.

        Things (/id/...) have their page at /doc/...; ontology, graph and other IRIs are
        documents themselves and are served at their own path.
        """
        if not self.is_own(iri):
            return None
        rest = quote(iri[len(self.base) :], safe=_PATH_SAFE)
        if rest.startswith("id/"):
            return "/doc/" + rest[len("id/") :]
        return "/" + rest

    def curie(self, iri: str) -> str | None:
        """Return `prefix:local` when a known namespace fits and the rest is a plain name."""
        for name, namespace in self._prefixes:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if local and all(c.isalnum() or c in "-_." for c in local):
                    return f"{name}:{local}"
        return None

    def short(self, iri: str) -> str:
        """Return the shortest readable form of `iri`: a CURIE, a base-relative path, or itself."""
        curie = self.curie(iri)
        if curie is not None:
            return curie
        if self.is_own(iri):
            return iri[len(self.base) :] or iri
        return iri
