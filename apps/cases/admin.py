"""Admin for engineers: cases with their sources and sourced answers, history and review; and
the questionnaire's publish step extended with the case library's calibration of the draft."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from apps.questionnaire.admin import PublishForm, QuestionnaireAdmin
from apps.questionnaire.models import Questionnaire
from apps.questionnaire.services import (
    PublishCheck,
    build_snapshot,
    latest_model,
    snapshot_problems,
    unchanged,
)

from .calibration import DraftCalibration, calibrate_draft, calibration_check, worse_message
from .models import Case, CaseAnswer, CaseSource

COMPACT_TEXT: "dict[type[models.Field[Any, Any]], dict[str, Any]]" = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 48})},
    models.URLField: {"assume_scheme": "https"},
}


class CaseSourceInline(admin.StackedInline):
    model = CaseSource
    fields = (("key", "accessed"), "title", "url", "states")
    extra = 0
    formfield_overrides = COMPACT_TEXT


class CaseAnswerInline(admin.TabularInline):
    model = CaseAnswer
    fields = ("question_key", "value", "source", "note")
    extra = 0
    formfield_overrides = COMPACT_TEXT

    def get_formset(self, request: HttpRequest, obj: Case | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # Only this case's own sources may be cited.
        sources = formset.form.base_fields["source"]
        sources.queryset = CaseSource.objects.filter(case=obj) if obj else CaseSource.objects.none()  # type: ignore[attr-defined]  # a ModelChoiceField
        return formset


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "organisation", "sector", "chose", "year", "status", "reviewed_on")
    list_filter = ("chose", "sector", "status")
    search_fields = ("name", "organisation", "system", "summary", "slug")
    list_select_related = ("chose",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("reviewed_by", "reviewed_on", "created", "updated")
    inlines = [CaseSourceInline, CaseAnswerInline]
    formfield_overrides = COMPACT_TEXT
    actions = ["mark_reviewed"]
    fieldsets = [
        (None, {"fields": ("name", "slug", "organisation", "sector", "system", "year")}),
        (_("The choice"), {"fields": ("chose", "summary", "why")}),
        (
            _("Publication"),
            {"fields": ("status", "reviewed_by", "reviewed_on", "created", "updated")},
        ),
    ]

    @admin.action(description=_("Mark reviewed by me today"), permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: models.QuerySet[Case]) -> None:
        today = timezone.localdate()
        count = 0
        for case in queryset:
            case.reviewed_by = request.user  # type: ignore[assignment]  # the admin's user is ours
            case.reviewed_on = today
            # One save per case so each review is in the case's history.
            case.save(update_fields=["reviewed_by", "reviewed_on", "updated"])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d case marked reviewed.", "%(count)d cases marked reviewed.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cases.review_case")


class CalibratedPublishForm(PublishForm):
    """The publish form with the draft's calibration; a reason is required when it is worse."""

    calibration_note = forms.CharField(
        label=_("Reason for publishing despite the lower top-1"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=2000,
        required=False,
        help_text=_(
            "Needed when the draft ranks fewer cases' choices first. Kept with the version."
        ),
    )

    def __init__(self, data: Any = None, *, calibration: DraftCalibration | None) -> None:
        super().__init__(data)
        self.calibration = calibration

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        worse = self.calibration is not None and self.calibration.worse
        if worse and not cleaned.get("calibration_note", "").strip():
            assert self.calibration is not None
            self.add_error("calibration_note", worse_message(self.calibration))
        return cleaned


# The questionnaire's admin, with the calibration of the draft on its publish step: this app sits
# above the questionnaire, so it extends that admin rather than the questionnaire importing it.
admin.site.unregister(Questionnaire)


@admin.register(Questionnaire)
class CalibratedQuestionnaireAdmin(QuestionnaireAdmin):
    publish_template = "admin/cases/publish.html"

    def get_publish_form(
        self, request: HttpRequest, questionnaire: Questionnaire, data: Any
    ) -> PublishForm:
        latest = latest_model()
        draft = build_snapshot(questionnaire)
        calibration = None
        if not snapshot_problems(draft) and not (latest and unchanged(latest, draft)):
            calibration = calibrate_draft(draft, current=latest)
        return CalibratedPublishForm(data, calibration=calibration)

    def get_publish_check(self, form: PublishForm) -> PublishCheck | None:
        # Checked again inside publish, on exactly the snapshot it freezes.
        return calibration_check(reason=form.cleaned_data.get("calibration_note", ""))
