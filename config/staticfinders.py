from django.contrib.staticfiles import finders

# django-htmx ships htmx 4 and many extensions; Easel loads htmx 2 only. Skipping the rest halves the
# time collectstatic spends compressing on a first start.
UNUSED_APP_STATIC = ["htmx-4*", "htmax-4*", "hx-*"]


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), *UNUSED_APP_STATIC])
