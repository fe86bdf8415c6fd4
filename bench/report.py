"""Benchmarks print a table and keep their own section of docs/benchmarks.md up to date."""

import re
from datetime import UTC, datetime
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(title: str, body: str) -> None:
    """Replace (or add) the `## title` section of docs/benchmarks.md, leaving the others alone."""
    heading = f"## {title}"
    stamp = f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC._"
    text = f"{heading}\n\n{body.strip()}\n\n{stamp}\n\n"
    existing = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    section = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if section.search(existing):
        updated = section.sub(lambda _: text, existing, count=1)
    else:
        updated = existing.rstrip("\n") + "\n\n" + text
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(updated.rstrip("\n") + "\n")


def write_markdown_section(text: str) -> None:
    """`text` starts with its own `## title` line; the rest is the section's body."""
    heading, _, body = text.strip().partition("\n")
    write_section(heading.removeprefix("## ").strip(), body)
