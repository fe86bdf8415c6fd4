from django.conf import settings


def easel(request):
    return {"offline_demo": settings.OFFLINE_DEMO}
