"""Bearer tokens (share links, invites): 256 random bits in the URL, only their sha256 in the database.

Looking a row up by the hash of the presented token (not by the token) means the database never compares
the secret itself, so response timing says nothing about how much of a guess was right.
"""

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits
# token_urlsafe(32) is always 43 characters of the URL-safe base64 alphabet.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return TOKEN_SHAPE.fullmatch(token) is not None
