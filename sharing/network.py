"""Who is asking: the client address for rate limits, and a coarse form of it for the owner's visit log."""

import ipaddress

from django.conf import settings

UNKNOWN_ADDRESS = "unknown"


def client_ip(request) -> str:
    """The client's address as Easel can trust it: REMOTE_ADDR, or the proxy's header when configured.

    With a header such as X-Forwarded-For the last entry is the one the proxy added; earlier ones come
    from the client and could be anything.
    """
    raw = request.META.get("REMOTE_ADDR", "")
    if settings.SHARE_CLIENT_IP_HEADER:
        meta_key = "HTTP_" + settings.SHARE_CLIENT_IP_HEADER.upper().replace("-", "_")
        raw = request.META.get(meta_key, "").split(",")[-1].strip() or raw
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return UNKNOWN_ADDRESS
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def truncated_network(ip: str) -> str:
    """203.0.113.7 → 203.0.113.0/24; 2001:db8:1:2::5 → 2001:db8:1::/48: enough to tell visitors apart."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return UNKNOWN_ADDRESS
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
