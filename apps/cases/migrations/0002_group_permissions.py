"""Content editors edit cases (and mark them reviewed); Sales read them.

Follows accounts.0002_groups: permissions are normally created after ``migrate`` finishes
(post_migrate), so this app's are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_EDITORS = "Content editors"
SALES = "Sales"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("cases")
    # The historical app registry marks apps without a models module; permissions are created
    # only for apps that have one, so flag this one while creating.
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    cases = Permission.objects.filter(content_type__app_label="cases")
    editors, _ = Group.objects.get_or_create(name=CONTENT_EDITORS)
    editors.permissions.add(*cases)
    sales, _ = Group.objects.get_or_create(name=SALES)
    sales.permissions.add(*cases.filter(codename__startswith="view_"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    cases = Permission.objects.filter(content_type__app_label="cases")
    for group in Group.objects.filter(name__in=[CONTENT_EDITORS, SALES]):
        group.permissions.remove(*cases)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("accounts", "0002_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
