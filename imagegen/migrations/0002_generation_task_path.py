"""The generation task moved from imagegen.tasks to imagegen.services.queue: tasks queued before the
upgrade keep running, under the new path."""

from django.db import migrations

OLD_PATH = "imagegen.tasks.run_generation"
NEW_PATH = "imagegen.services.queue.run_generation"


def forwards(apps, schema_editor):
    apps.get_model("django_tasks_database", "DBTaskResult").objects.filter(task_path=OLD_PATH).update(
        task_path=NEW_PATH
    )


def backwards(apps, schema_editor):
    apps.get_model("django_tasks_database", "DBTaskResult").objects.filter(task_path=NEW_PATH).update(
        task_path=OLD_PATH
    )


class Migration(migrations.Migration):
    dependencies = [
        ("imagegen", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
