from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeedConfig(AppConfig):
    """`manage.py seed`: the starting content and demo data. The top layer: it may import any
    app, and none imports it."""

    name = "apps.seed"
    label = "seed"
    verbose_name = _("Seed")
