"""Admin for assessments and share links: read-only for Sales, anonymise and delete for admins."""

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Assessment, ShareLink


class ShareLinkInline(admin.TabularInline):
    model = ShareLink
    extra = 0
    fields = ("label", "created_by", "created_at", "expires_at", "revoked_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A link's token is shown once where it is made: the dashboard or the private page.
        return False


def _pretty_json(value: Any) -> str:
    if value in (None, {}, []):
        return "—"
    return format_html(
        "<pre class='readonly'>{}</pre>", json.dumps(value, indent=2, sort_keys=True)
    )


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Prospects' assessments: a record, read-only; anonymise and delete are the only edits."""

    list_display = (
        "__str__",
        "submitted_at",
        "status",
        "recommendation",
        "fit_display",
        "confidence",
        "report_status",
        "consent",
    )
    list_filter = ("status", "recommendation", "report_status", "consent", "created_at")
    list_select_related = ("recommendation",)
    search_fields = ("company", "contact_name", "contact_email", "role")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
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
        return [str(f) for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

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

    inlines = [ShareLinkInline]
    actions = ["anonymise"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Assessments come from the questionnaire, never from a staff form.
        return False

    @admin.action(
        description=_("Anonymise: blank contact details and delete the PDF"),
        permissions=["change"],
    )
    def anonymise(self, request: HttpRequest, queryset: QuerySet[Assessment]) -> None:
        count = services.anonymise_assessments(assessments=queryset)
        self.message_user(
            request,
            ngettext("%(count)d assessment anonymised.", "%(count)d assessments anonymised.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: Assessment) -> None:
        services.delete_assessment(assessment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Assessment]) -> None:
        services.delete_assessments(assessments=queryset)
