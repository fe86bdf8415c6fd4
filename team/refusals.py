"""Why a generation was not admitted. A GenerationRefused, so the Generate form shows it like any refusal.

Kept apart from team.services because imagegen.services imports that module: this one imports
imagegen.services, and team.services imports it only when it refuses something.
"""

from imagegen.services import GenerationRefused


class AdmissionRefused(GenerationRefused):
    """Over budget or over a limit. `retry_after_seconds`: when trying again can help (None: not soon)."""

    def __init__(self, message: str, *, field: str | None = None, retry_after_seconds: int | None = None):
        super().__init__(message, field=field)
        self.retry_after_seconds = retry_after_seconds


class OverBudget(AdmissionRefused):
    pass


class PriceUnknown(AdmissionRefused):
    pass


class TooManyRunning(AdmissionRefused):
    pass


class TooManySubmissions(AdmissionRefused):
    pass
