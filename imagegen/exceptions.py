"""Errors of image generation that other apps may raise or catch (team's admission refusals extend these)."""


class GenerationRefused(Exception):
    """The request breaks a rule the form shows; `field` names where the message belongs (None: the form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
