from gunicorn.glogging import Logger

from core.log_redaction import redact


class RedactingLogger(Logger):
    """Gunicorn's access log with share-link and invite tokens cut out of the request line and URL."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
