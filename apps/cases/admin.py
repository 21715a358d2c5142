"""Admin for engineers: cases with their sources and sourced answers, history and review."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

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
