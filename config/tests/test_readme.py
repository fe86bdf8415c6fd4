"""The README stays true: its two commands come first, and every environment variable is in its table."""

import re

from tests.fixtures.project import BASE_DIR

README = (BASE_DIR / "README.md").read_text()


def variables_read(path) -> set[str]:
    text = (BASE_DIR / path).read_text()
    return set(re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"', text)) | set(
        re.findall(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', text)
    )


def test_every_environment_variable_is_documented():
    names = variables_read("config/settings.py") | variables_read("gunicorn.conf.py")
    names |= variables_read("config/management/commands/serve.py") | variables_read("docker-entrypoint.sh")
    assert len(names) > 30
    table = README.split("## Configuration", 1)[1].split("## Deployment", 1)[0]
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert missing == []


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["uv run manage.py serve", "uv run pytest"]
    ci = (BASE_DIR / ".ci" / "run").read_text()
    assert re.search(r"^uv run pytest$", ci, re.MULTILINE)
    assert re.search(r"^DATABASE_URL=postgres://\S+ uv run pytest$", ci, re.MULTILINE)
