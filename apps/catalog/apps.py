from django.apps import AppConfig
from django.db.models import signals
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from .services import content_changed

        # Every model of the app, their history and the cells' sources: any edit in the
        # admin, a fixture load or a script makes cached renderings of the catalog stale.
        for model in self.get_models(include_auto_created=True):
            uid = f"catalog-content-{model._meta.label}"
            signals.post_save.connect(content_changed, sender=model, dispatch_uid=uid)
            signals.post_delete.connect(content_changed, sender=model, dispatch_uid=uid)
            signals.m2m_changed.connect(content_changed, sender=model, dispatch_uid=uid)
