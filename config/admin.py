"""The admin index shows what staff run the team with; the plumbing other libraries register stays
reachable by its address but off the index and the side bar.

Task results (django-tasks-db) are the queue's bookkeeping (the generation log says what happened), the
django-axes tables are counted sign-in failures (staff lift a lockout from the member's page or with
Users → "Unlock sign-in"), and Groups are unused: Easel has members and staff.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django_tasks_db.models import DBTaskResult

PLUMBING = [DBTaskResult, AccessAttempt, AccessFailureLog, AccessLog, Group]


def _hide_from_index(model) -> None:
    registered = type(admin.site.get_model_admin(model))

    def has_module_permission(self, request) -> bool:
        return False  # only the index and the side bar ask this; the model's own pages stay as they were

    hidden = type(registered.__name__, (registered,), {"has_module_permission": has_module_permission})
    admin.site.unregister(model)
    admin.site.register(model, hidden)


for plumbing_model in PLUMBING:
    if admin.site.is_registered(plumbing_model):
        _hide_from_index(plumbing_model)
