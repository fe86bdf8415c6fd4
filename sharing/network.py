"""Who is asking, for this Django project: core.client_address with the configured proxy header.

`client_limit_key` is also what django-axes counts sign-in failures by (settings.AXES_CLIENT_IP_CALLABLE),
so share links and sign-in trust the same address.
"""

import ipaddress

from django.conf import settings

from core.client_address import client_address, limit_key, visit_network

UNKNOWN_ADDRESS = "unknown"


def client_ip(request) -> str:
    address = client_address(request.META, header=settings.SHARE_CLIENT_IP_HEADER)
    return UNKNOWN_ADDRESS if address is None else str(address)


def client_limit_key(request) -> str | None:
    """The client's address as limits count it (IPv6 by /64); None when there is no usable address."""
    return limit_key(client_address(request.META, header=settings.SHARE_CLIENT_IP_HEADER))


def share_limit_key(request) -> str:
    return client_limit_key(request) or UNKNOWN_ADDRESS


def truncated_network(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return UNKNOWN_ADDRESS
    return visit_network(address) or UNKNOWN_ADDRESS
