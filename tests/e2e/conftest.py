import pytest


@pytest.fixture(autouse=True)
def _every_asset_loads(page):
    """A page whose CSS or JavaScript fails to load, or breaks the CSP, must fail the test."""
    problems = []
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if "/static/" in r.url and r.status >= 400 else None,
    )
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if "Refused to" in m.text or "Content Security Policy" in m.text else None
        ),
    )
    yield
    assert problems == []
