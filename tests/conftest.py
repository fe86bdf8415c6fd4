from tests.world import world  # noqa: F401 (a fixture for the tests in this folder)
