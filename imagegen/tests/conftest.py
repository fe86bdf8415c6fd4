from imagegen.tests.standin_fixtures import sleeps, standin, standin_client, tag

__all__ = ["sleeps", "standin", "standin_client", "tag"]
