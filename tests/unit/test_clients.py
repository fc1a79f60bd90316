"""Who a request's client is, for fair admission (server.clients)."""

from __future__ import annotations

import pytest

from server.clients import client_of, trusted_networks
from server.config import Settings

PROXIES = trusted_networks(("10.0.0.0/8", "::1", "127.0.0.1"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Anyone but a trusted proxy is the client, whatever it claims.
        ("192.0.2.7", ["198.51.100.1"], "192.0.2.7"),
        ("192.0.2.7", [], "192.0.2.7"),
        # A trusted proxy forwards for the right-most address it did not add itself.
        ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        ("127.0.0.1", ["203.0.113.9, 198.51.100.1"], "198.51.100.1"),
        ("127.0.0.1", ["203.0.113.9", "198.51.100.1, 10.1.2.3"], "198.51.100.1"),
        ("::1", ["2001:db8::5"], "2001:db8::5"),
        # What the client wrote to the left of it is not believed.
        ("10.9.9.9", ["forged, 198.51.100.1"], "198.51.100.1"),
        # A chain of trusted proxies only: the first of them; no header at all: the peer.
        ("127.0.0.1", ["10.0.0.1, 10.0.0.2"], "10.0.0.1"),
        ("127.0.0.1", [], "127.0.0.1"),
        ("127.0.0.1", [" , "], "127.0.0.1"),
    ],
)
def test_the_client_is_the_peer_or_whom_a_trusted_proxy_forwarded_for(
    peer: str, forwarded_for: list[str], client: str
) -> None:
    assert client_of(peer, forwarded_for, PROXIES) == client


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_of("127.0.0.1", ["198.51.100.1"], trusted_networks(())) == "127.0.0.1"


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.example' is not an IP address or network"):
        Settings().with_overrides(trusted_proxies="10.0.0.0/8 proxy.example")
    assert Settings().with_overrides(trusted_proxies="10.0.0.0/8 ::1").trusted_proxies == (
        "10.0.0.0/8",
        "::1",
    )
