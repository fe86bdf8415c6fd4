"""Content Credentials on images.

Adding a NOT NULL column makes SQLite's schema editor rebuild gallery_image, which drops the full-text
search triggers of 0003; they are put back (and the index rebuilt) right after. Any later migration that
adds such a column to Image needs the same last step.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

search = importlib.import_module("gallery.migrations.0003_image_search")


def reinstall_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in search.SQLITE_DROP + search.SQLITE_CREATE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('gallery', '0004_image_recipe'),
        ('imagegen', '0002_generation_task_path'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='image',
            name='credentials',
            field=models.JSONField(blank=True, default=dict, help_text='What the manifest says.', verbose_name='Content Credentials summary'),
        ),
        migrations.AddField(
            model_name='image',
            name='credentials_status',
            field=models.CharField(blank=True, choices=[('', 'not read yet'), ('none', 'none'), ('present', 'present'), ('unreadable', 'unreadable')], default='', max_length=12, verbose_name='Content Credentials'),
        ),
        migrations.AddIndex(
            model_name='image',
            index=models.Index(condition=models.Q(('credentials_status__in', ['present', 'unreadable'])), fields=['-created_at', '-id'], name='image_credentials_recent'),
        ),
        migrations.RunPython(reinstall_search_triggers, migrations.RunPython.noop),
    ]
