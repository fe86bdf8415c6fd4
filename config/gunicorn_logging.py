import re

from gunicorn.glogging import Logger

# Share-link and invite tokens are bearer secrets: keep them out of access logs.
TOKEN_IN_PATH = re.compile(r"(/s/|/invite/)[A-Za-z0-9_-]{16,}")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = TOKEN_IN_PATH.sub(r"\1<redacted>", atoms[key])
        return atoms
