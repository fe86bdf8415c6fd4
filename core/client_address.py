"""Who is asking: the client's address as Easel can trust it, and the keys rate limits count it by.

One rule for every limit (share-link look-ups and passwords, sign-in lockouts): REMOTE_ADDR, or, when a
trusted reverse proxy is configured to set one, that proxy's header. Plain Python over a WSGI `META`
mapping, so the share links' limits and django-axes read the address through the same code.
"""

import ipaddress
from collections.abc import Mapping

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# One IPv6 client usually holds a whole /64 (a home or phone network hands out any address in it), so
# limits count a /64 as one client; a /48 is still coarse enough for the owner's visit log.
IPV6_LIMIT_PREFIX = 64
IPV4_VISIT_PREFIX, IPV6_VISIT_PREFIX = 24, 48


def meta_key(header: str) -> str:
    """`X-Real-IP` → `HTTP_X_REAL_IP`, the name WSGI gives a request header."""
    return "HTTP_" + header.upper().replace("-", "_")


def client_address(meta: Mapping[str, str], *, header: str = "") -> Address | None:
    """The client's address, or None when there is none that parses.

    `header` names what a trusted proxy sets (empty: trust only REMOTE_ADDR). With a list header such as
    X-Forwarded-For the last entry is the one the proxy added; earlier ones came from the client.
    """
    raw = meta.get("REMOTE_ADDR", "")
    if header:
        raw = meta.get(meta_key(header), "").split(",")[-1].strip() or raw
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def limit_key(address: Address | None) -> str | None:
    """What limits count by: an IPv4 address itself, an IPv6 address's /64 (as its first address, so it
    is still a valid address to store), None for no address."""
    if address is None:
        return None
    if address.version == 4:
        return str(address)
    return str(ipaddress.ip_network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False).network_address)


def visit_network(address: Address | None) -> str | None:
    """203.0.113.7 → 203.0.113.0/24; 2001:db8:1:2::5 → 2001:db8:1::/48: enough to tell visitors apart."""
    if address is None:
        return None
    prefix = IPV4_VISIT_PREFIX if address.version == 4 else IPV6_VISIT_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
