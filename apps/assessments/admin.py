import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.assessments.models import Assessment


def _pretty_json(value: Any) -> str:
    if value in (None, {}, []):
        return "—"
    return format_html(
        "<pre class='readonly'>{}</pre>", json.dumps(value, indent=2, sort_keys=True)
    )


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Prospects' assessments: read-only, they come from the public site and the API."""

    list_display = ["created_at", "company", "status", "recommendation", "fit_display"]
    list_filter = ["status", "recommendation", "scoring_model", "consent", "created_at"]
    list_select_related = ["recommendation"]
    search_fields = ["company", "contact_name", "contact_email", "role"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    fieldsets = [
        (
            _("Prospect"),
            {"fields": ["contact_name", "contact_email", "company", "role", "consent"]},
        ),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "current_step",
                    "attempts",
                    "error",
                    "created_at",
                    "submitted_at",
                    "scored_at",
                ]
            },
        ),
        (
            _("Result"),
            {
                "fields": [
                    "recommendation",
                    "fit",
                    "confidence",
                    "scoring_model",
                    "answers_display",
                    "result_display",
                ]
            },
        ),
        (
            _("Previous result"),
            {
                "classes": ["collapse"],
                "fields": ["previous_scoring_model", "previous_result_display"],
            },
        ),
        (_("Report"), {"fields": ["report_status", "report_pdf"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Every field, plus the formatted JSON views: an assessment is a record, not a form.
        return [str(f) for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("fit"), ordering="fit")
    def fit_display(self, obj: Assessment) -> str:
        return "—" if obj.fit is None else f"{obj.fit:.0f}"

    @admin.display(description=_("answers"))
    def answers_display(self, obj: Assessment) -> str:
        return _pretty_json(obj.answers)

    @admin.display(description=_("result"))
    def result_display(self, obj: Assessment) -> str:
        return _pretty_json(obj.result)

    @admin.display(description=_("previous result"))
    def previous_result_display(self, obj: Assessment) -> str:
        return _pretty_json(obj.previous_result)
