"""The two staff groups and their permissions.

Runs after every app's models exist so that their permissions can be granted. Permissions
are normally created after ``migrate`` finishes (post_migrate); they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

CONTENT_EDITORS = "Content editors"
SALES = "Sales"

# Everything on the content apps, their edit history included: editing, publishing a
# scoring-model version (add_scoringmodel), import/export. No lead or booking data.
CONTENT_APPS = ("catalog", "faq", "questionnaire")

# Engineers open assessment slots (DESIGN.md) and see, or cancel, the bookings they will run.
EDITOR_BOOKING_PERMISSIONS = Q(
    content_type__app_label="booking",
    content_type__model__in=["availabilityrule", "slot"],
) | Q(content_type__app_label="booking", codename__in=["view_booking", "change_booking"])

# Leads read-only, share links managed, their view log and bookings read-only.
SALES_PERMISSIONS = Q(
    content_type__app_label="assessments",
    codename__in=[
        "view_assessment",
        "add_sharelink",
        "change_sharelink",
        "delete_sharelink",
        "view_sharelink",
        "view_sharelinkview",
    ],
) | Q(content_type__app_label="booking", codename__startswith="view_")


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # The historical app registry marks apps without a models module; permissions
        # are created only for apps that have one, so flag each one while creating.
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name=CONTENT_EDITORS)
    editors.permissions.add(
        *Permission.objects.filter(
            Q(content_type__app_label__in=CONTENT_APPS) | EDITOR_BOOKING_PERMISSIONS
        )
    )
    sales, _ = Group.objects.get_or_create(name=SALES)
    sales.permissions.add(*Permission.objects.filter(SALES_PERMISSIONS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[CONTENT_EDITORS, SALES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0001_initial"),
        ("faq", "0001_initial"),
        ("questionnaire", "0001_initial"),
        ("assessments", "0001_initial"),
        ("booking", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
