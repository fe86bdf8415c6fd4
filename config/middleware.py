from config.views import healthz


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect.

    Docker's HEALTHCHECK and load balancers call it by IP over plain HTTP, which production settings
    (ALLOWED_HOSTS, SECURE_SSL_REDIRECT) would otherwise refuse.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
