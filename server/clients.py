"""Name the client of a request: whose queries count against whom in fair admission.

The client is the peer address. Behind a reverse proxy or a shared HTTP cache every
request comes from the proxy, so one client's long queries would count against everybody
behind it. A proxy listed in `trusted_proxies` is believed about whom it forwards for: the
client is the right-most X-Forwarded-For entry that is not itself a trusted proxy. The
header is ignored from any other peer, or a client could give itself a new name per query.

An IPv6 address is a 64-bit network prefix and a 64-bit interface identifier that the host
picks itself (RFC 4291; RFC 8981 has hosts change it often), so a client can send every
query from a new address. An IPv6 client is therefore named by its /64 prefix.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by server.config, which the query processes load: no Flask
    from flask import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# The network an IPv6 client is named by (see the module's description).
_IPV6_CLIENT_PREFIX = 64


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Return the networks of `entries` (addresses or CIDR ranges); ValueError names a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"trusted_proxies: {entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def client_of(peer: str, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str:
    """Return the client: `peer`, or behind trusted proxies the address they forwarded for."""
    return client_name(_client_address(peer, forwarded_for, trusted))


def client_name(address: str) -> str:
    """Return the client at `address`: the address itself, or an IPv6 address's /64 network."""
    if ":" not in address:  # IPv4, or not an address at all
        return address
    try:
        parsed = ipaddress.IPv6Address(address)
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        if parsed.is_loopback or parsed.is_link_local:  # every host on a link has fe80::/64
            return address
        return str(ipaddress.IPv6Network((parsed, _IPV6_CLIENT_PREFIX), strict=False))
    except ValueError:  # not an address: a forwarded entry may be anything
        return address


def client_of_request(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    """Return the client of `request`, given the settings' `trusted_proxies`."""
    if not trusted_proxies:  # the usual case, on every request: no header to read
        return client_name(request.remote_addr or "")
    return client_of(
        request.remote_addr or "",
        request.headers.getlist("X-Forwarded-For"),
        trusted_networks(trusted_proxies),
    )


def _client_address(peer: str, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str:
    if not _is_trusted(peer, trusted):
        return peer
    # Each proxy appends the address it got the request from; read back from our side.
    chain = [part.strip() for header in forwarded_for for part in header.split(",")]
    chain = [address for address in chain if address]
    for address in reversed(chain):
        if not _is_trusted(address, trusted):
            return address
    return chain[0] if chain else peer


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    if not trusted:
        return False
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)
