from django.core.management.base import BaseCommand, CommandError

from imagegen import standin


class Command(BaseCommand):
    help = "Run the offline OpenRouter stand-in: the same wire format, pictures drawn locally, faults on request."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765, help="Port on 127.0.0.1 (default 8765).")
        parser.add_argument(
            "--latency", default="0", help="Seconds per generation: '2', or a random range '2-20'."
        )

    def handle(self, *, port: int, latency: str, **options):
        try:
            parsed = standin.parse_latency(latency)
        except ValueError:
            raise CommandError(
                f"--latency: use seconds such as 2, or a range such as 2-20, not {latency!r}."
            ) from None
        standin.serve_forever(port, parsed)
