from pathlib import Path

from django.core.management.base import BaseCommand

from openrouter.standin import main


class Command(BaseCommand):
    help = "Run the offline OpenRouter stand-in: the same wire format, pictures drawn locally, faults on request."

    def run_from_argv(self, argv: list[str]) -> None:
        # The stand-in parses its own options, so this takes exactly those of `python -m openrouter.standin`.
        raise SystemExit(main(argv[2:], prog=f"{Path(argv[0]).name} {argv[1]}"))
