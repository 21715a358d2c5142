from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnaireConfig(AppConfig):
    name = "apps.questionnaire"
    label = "questionnaire"
    verbose_name = _("Questionnaire")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import ScoringModel
        from .services import forget_latest_model

        # Each process keeps the latest version for a few seconds: a change made here is seen
        # at once.
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                forget_latest_model,
                sender=ScoringModel,
                dispatch_uid=f"questionnaire.forget_latest_model.{name}",
            )
