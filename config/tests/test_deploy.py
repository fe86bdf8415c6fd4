"""Production settings pass Django's deployment checklist."""

import secrets

from tests.fixtures.processes import clean_env, manage

PRODUCTION = {
    "EASEL_HTTPS": "true",
    "EASEL_ALLOWED_HOSTS": "easel.example.com",
    "EASEL_CSRF_TRUSTED_ORIGINS": "https://easel.example.com",
}


def test_check_deploy_passes_with_the_documented_production_variables(tmp_path):
    env = clean_env(tmp_path, **PRODUCTION, SECRET_KEY=secrets.token_urlsafe(60))
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_passes_with_a_generated_secret_key(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_env(tmp_path, **PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_https(tmp_path):
    env = clean_env(tmp_path, EASEL_ALLOWED_HOSTS="easel.example.com")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr
