"""The client address the limits count by, and the coarse form the owner sees."""

import pytest
from django.test import RequestFactory

from sharing.network import client_ip, truncated_network


@pytest.mark.parametrize(
    ("header_setting", "meta", "expected"),
    [
        ("", {"REMOTE_ADDR": "203.0.113.5"}, "203.0.113.5"),
        ("", {"REMOTE_ADDR": "::ffff:203.0.113.5"}, "203.0.113.5"),
        ("", {"REMOTE_ADDR": "not an address"}, "unknown"),
        # A header is only trusted when configured: a client can't pick its own address.
        ("", {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_REAL_IP": "198.51.100.1"}, "10.0.0.1"),
        ("X-Real-IP", {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_REAL_IP": "198.51.100.1"}, "198.51.100.1"),
        # X-Forwarded-For: the last entry is the one the proxy added; the first came from the client.
        (
            "X-Forwarded-For",
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.2"},
            "198.51.100.2",
        ),
        ("X-Real-IP", {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
    ],
)
def test_client_ip(settings, header_setting, meta, expected):
    settings.SHARE_CLIENT_IP_HEADER = header_setting
    request = RequestFactory().get("/s/x/", **meta)

    assert client_ip(request) == expected


def test_truncated_network():
    assert truncated_network("203.0.113.77") == "203.0.113.0/24"
    assert truncated_network("2001:db8:aaaa:bbbb::1") == "2001:db8:aaaa::/48"
    assert truncated_network("unknown") == "unknown"
