"""Bearer tokens: 256 random bits, URL-safe, and a sha256 to store in their place."""

import hashlib

from core.tokens import looks_like_token, new_token, token_hash


def test_new_tokens_are_43_url_safe_characters_and_never_repeat():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(looks_like_token(token) for token in tokens)


def test_the_hash_is_the_tokens_sha256_in_hex():
    token = new_token()
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(token_hash(token)) == 64
    assert token_hash(token) != token_hash(new_token())


def test_what_does_not_look_like_a_token():
    token = new_token()
    assert not looks_like_token(token[:-1])
    assert not looks_like_token(token + "A")
    assert not looks_like_token("." + token[1:])
    assert not looks_like_token("")
