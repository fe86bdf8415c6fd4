from config.views import healthz, healthz_work

HEALTH_CHECKS = {"/healthz": healthz, "/healthz/work": healthz_work}


class HealthCheckMiddleware:
    """Answer /healthz and /healthz/work before host validation and the HTTPS redirect.

    Docker's HEALTHCHECK, load balancers and monitoring call them by IP over plain HTTP, which production
    settings (ALLOWED_HOSTS, SECURE_SSL_REDIRECT) would otherwise refuse.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check = HEALTH_CHECKS.get(request.path_info)
        if check is not None:
            return check(request)
        return self.get_response(request)
