"""Small helpers for the share-link tests: their addresses, unlocking, and readers of their pages."""

import re
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

LINK_PASSWORD = "open-sesame-42"
TOKEN_IN_URL = re.compile(r"/s/([A-Za-z0-9_-]{43})/")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.meta: dict[str, str] = {}
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "src", "action", "formaction", "poster", "srcset"):
            if attributes.get(name):
                self.urls.append(attributes[name])
        if tag == "input":
            self.inputs.append(attributes)
        key = attributes.get("property") or attributes.get("name")
        if tag == "meta" and key:
            self.meta[key] = attributes.get("content", "")


def page_urls(html: str) -> list[str]:
    """Every URL the page links to or loads (href, src, action…)."""
    collector = _Collector()
    collector.feed(html)
    return collector.urls


def meta_tags(html: str) -> dict[str, str]:
    """<meta property|name=… content=…> as a dict."""
    collector = _Collector()
    collector.feed(html)
    return collector.meta


def form_inputs(html: str) -> list[dict[str, str | None]]:
    """The attributes of every <input>; a bare attribute such as `checked` maps to None."""
    collector = _Collector()
    collector.feed(html)
    return collector.inputs


def token_from(html: str) -> str:
    return TOKEN_IN_URL.search(html).group(1)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def share_url(name: str, token: str, **kwargs) -> str:
    return reverse(f"share:{name}", kwargs={"token": token, **kwargs})


def unlock(client: Client, token: str, password: str = LINK_PASSWORD, **extra):
    return client.post(share_url("unlock", token), {"password": password}, **extra)
