from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks.
        from . import logging as request_logging

        request_logging.connect_celery_signals()
