from django.conf import settings


def test_tests_run_in_their_own_data_dir():
    assert "easel-tests-" in str(settings.DATA_DIR)
