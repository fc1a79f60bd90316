"""Who a request's client is, for fair admission (server.clients)."""

from __future__ import annotations

import pytest

from server.clients import client_name, client_of, trusted_networks
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
        ("::1", ["2001:db8::5"], "2001:db8::/64"),
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


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("192.0.2.7", "192.0.2.7"),
        # An IPv6 host picks the low 64 bits itself: its /64 is the client.
        ("2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client on a dual-stack socket
        ("::1", "::1"),
        # Every host on a link shares fe80::/64: a link-local address stays itself.
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("fe80::2", "fe80::2"),
        ("not an address", "not an address"),
        ("", ""),
    ],
)
def test_an_ipv6_client_is_named_by_its_64_bit_prefix(address: str, client: str) -> None:
    assert client_name(address) == client


def test_a_forwarded_ipv6_client_is_named_by_its_prefix_too() -> None:
    for host in ("2001:db8:7:7::1", "2001:db8:7:7:ffff::2"):
        assert client_of("10.0.0.1", [host], PROXIES) == "2001:db8:7:7::/64"
