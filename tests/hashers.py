from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Tests hash passwords with one round (the real default takes ~0.5 s per hash on these machines).

    The hash still says pbkdf2_sha256 and carries its iteration count, so Easel processes the tests
    start (gunicorn, the worker, serve) verify it with their normal settings.
    """

    iterations = 1
