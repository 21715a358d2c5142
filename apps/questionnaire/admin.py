"""Admin for editing the questionnaire, publishing versions and previewing the draft."""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import scoring
from .contracts import Snapshot, SnapshotQuestion
from .forms import validate_answers
from .models import (
    UNKNOWN,
    Choice,
    Question,
    Questionnaire,
    RiskRule,
    ScoringModel,
    Section,
    Weight,
)
from .services import (
    PublishCheck,
    PublishError,
    build_snapshot,
    latest_model,
    previous_model,
    publish,
    snapshot_problems,
    unchanged,
)
from .versions import diff_snapshots


class SectionInline(admin.TabularInline):  # type: ignore[type-arg]  # admin classes take no [] at runtime
    model = Section
    fields = ("title", "order", "intro")
    extra = 0
    show_change_link = True


class QuestionInline(admin.TabularInline):  # type: ignore[type-arg]  # see SectionInline
    model = Question
    fields = ("key", "text", "kind", "required", "importance", "allow_unknown", "order")
    extra = 0
    show_change_link = True


class ChoiceInline(admin.TabularInline):  # type: ignore[type-arg]  # see SectionInline
    model = Choice
    fields = ("key", "label", "lower", "upper", "order")
    extra = 0
    show_change_link = True


class WeightInline(admin.TabularInline):  # type: ignore[type-arg]  # see SectionInline
    model = Weight
    fields = ("option", "points", "rationale", "feature")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Weight]:
        return super().get_queryset(request).select_related("option", "feature")


class PublishForm(forms.Form):
    summary = forms.CharField(
        label=_("Change summary"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=2000,
        help_text=_("What changed and why, in a sentence or two. Shown in the version history."),
    )


@admin.register(Questionnaire)
class QuestionnaireAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # simple_history ships no type hints
    list_display = ("title", "slug", "published_version", "preview_link")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [SectionInline]
    actions = ["publish_version"]
    # Apps above this one extend the publish step by subclassing this admin (see cases.admin):
    # their own form and template, and a check that ``publish`` runs on the draft.
    publish_template = "admin/questionnaire/publish.html"

    def get_publish_form(
        self, request: HttpRequest, questionnaire: Questionnaire, data: Any
    ) -> PublishForm:
        return PublishForm(data)

    def get_publish_check(self, form: PublishForm) -> PublishCheck | None:
        """The check ``publish`` runs on the draft under its lock; None for none."""
        return None

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:pk>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="questionnaire_questionnaire_preview",
        )
        return [preview, *super().get_urls()]

    @admin.display(description=_("published version"))
    def published_version(self, obj: Questionnaire) -> str:
        latest = obj.versions.order_by("-version").first()
        return f"v{latest.version}" if latest else "—"

    @admin.display(description=_("preview"))
    def preview_link(self, obj: Questionnaire) -> str:
        url = reverse("admin:questionnaire_questionnaire_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Preview draft"))

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("questionnaire.add_scoringmodel")

    @admin.action(description=_("Publish a new scoring-model version"), permissions=["publish"])
    def publish_version(
        self, request: HttpRequest, queryset: QuerySet[Questionnaire]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one questionnaire."), messages.ERROR)
            return None
        questionnaire = queryset.get()
        form = self.get_publish_form(
            request, questionnaire, request.POST if "post" in request.POST else None
        )
        if form.is_bound and form.is_valid():
            try:
                model = publish(
                    questionnaire=questionnaire,
                    user=request.user,  # type: ignore[arg-type]  # admin users are always ours
                    summary=form.cleaned_data["summary"],
                    check=self.get_publish_check(form),
                )
            except PublishError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            self.message_user(
                request,
                gettext("Published version %(v)s.") % {"v": model.version},
                messages.SUCCESS,
            )
            return None
        return self._publish_confirmation(request, questionnaire, queryset, form)

    def _publish_confirmation(
        self,
        request: HttpRequest,
        questionnaire: Questionnaire,
        queryset: QuerySet[Questionnaire],
        form: PublishForm,
    ) -> TemplateResponse:
        latest = latest_model()
        draft = build_snapshot(questionnaire)
        changes = diff_snapshots(latest.snapshot if latest else None, draft)
        ctx = {
            **self.admin_site.each_context(request),
            "title": gettext("Publish a new scoring-model version"),
            "opts": self.model._meta,
            "questionnaire": questionnaire,
            "queryset": queryset,
            "latest": latest,
            "changes": changes,
            "unchanged": unchanged(latest, draft),
            "problems": snapshot_problems(draft),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.publish_template, ctx)

    def preview_view(self, request: HttpRequest, pk: int) -> TemplateResponse:
        """Score a sample or entered answer set with the unpublished draft."""
        questionnaire = get_object_or_404(Questionnaire, pk=pk)
        if not self.has_view_permission(request, questionnaire):
            raise PermissionDenied
        snapshot = build_snapshot(questionnaire)
        # A draft changes with every edit: compiled here, never cached.
        model = scoring.compile_model(snapshot)
        form = PreviewForm(snapshot, data=request.GET if "score" in request.GET else None)
        answers = form.answers() if form.is_bound else sample_answers(model)
        if form.is_bound:
            _add_answer_errors(form, model, answers)
        ctx = {
            **self.admin_site.each_context(request),
            "title": gettext("Preview of the draft: %(title)s") % {"title": questionnaire.title},
            "opts": self.model._meta,
            "questionnaire": questionnaire,
            "form": form,
            "result": scoring.score(model, answers, gettext=gettext),
            "problems": snapshot_problems(snapshot),
        }
        return TemplateResponse(request, "admin/questionnaire/preview.html", ctx)


def _add_answer_errors(
    form: "PreviewForm", model: scoring.CompiledModel, answers: dict[str, Any]
) -> None:
    """The site's own answer rules (``forms.validate_answers``), as errors on the fields."""
    try:
        validate_answers(model, answers)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            if key in form.fields:
                form.add_error(key, messages)


def sample_answers(model: scoring.CompiledModel) -> dict[str, Any]:
    """A plausible answer set: the first answer of every question, a mid value for numbers."""
    answers: dict[str, Any] = {}
    for section in model.snapshot["sections"]:
        for q in section["questions"]:
            if not q["choices"]:
                continue
            first = q["choices"][0]
            if q["kind"] == "number":
                answers[q["key"]] = first["upper"] - 1 if first["upper"] is not None else 1
            elif q["kind"] == "multiple":
                answers[q["key"]] = [first["key"]]
            elif q["kind"] == "scale":
                answers[q["key"]] = "3"
            else:
                answers[q["key"]] = first["key"]
    return scoring.clean_answers(model, answers)


class PreviewForm(forms.Form):
    """One field per question of a snapshot; every field optional so any set can be tried."""

    def __init__(self, snapshot: Snapshot, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds: dict[str, str] = {}
        for section in snapshot["sections"]:
            for q in section["questions"]:
                self.fields[q["key"]] = self._field(q)
                self.kinds[q["key"]] = q["kind"]

    @staticmethod
    def _field(q: SnapshotQuestion) -> forms.Field:
        choices = [(c["key"], c["label"]) for c in q["choices"]]
        if q["allow_unknown"]:
            choices.append((UNKNOWN, gettext("Don't know")))
        help_text = ""
        if q["condition"]:
            help_text = gettext("Shown only if “%(question)s” is one of: %(values)s.") % {
                "question": q["condition"]["question"],
                "values": ", ".join(q["condition"]["in"]),
            }
        common: dict[str, Any] = {
            "label": f"{q['key']}: {q['text']}",
            "required": False,
            "help_text": help_text,
        }
        if q["kind"] == "number":
            hint = gettext("A number, or “unknown”.") if q["allow_unknown"] else ""
            return forms.CharField(**{**common, "help_text": f"{hint} {help_text}".strip()})
        if q["kind"] == "multiple":
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)

    def answers(self) -> dict[str, Any]:
        """The entered answers in the engine's shape; unparseable numbers stay as text."""
        self.is_valid()
        answers: dict[str, Any] = {}
        for key, kind in self.kinds.items():
            value: Any = self.cleaned_data.get(key)
            if value in (None, "", []):
                continue
            if kind == "multiple" and UNKNOWN in value:
                value = UNKNOWN
            elif kind == "number" and value != UNKNOWN:
                try:
                    value = float(value)
                except ValueError:
                    pass
                else:
                    value = int(value) if value.is_integer() else value
            answers[key] = value
        return answers


@admin.register(Section)
class SectionAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # simple_history ships no type hints
    list_display = ("title", "questionnaire", "order")
    list_filter = ("questionnaire",)
    search_fields = ("title",)
    list_select_related = ("questionnaire",)
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # simple_history ships no type hints
    list_display = ("key", "text", "section", "kind", "required", "importance", "order")
    list_filter = ("section", "kind")
    search_fields = ("key", "text")
    list_select_related = ("section",)
    autocomplete_fields = ("condition_question",)
    inlines = [ChoiceInline]
    fieldsets = (
        (None, {"fields": ("section", "order", "key", "text", "help_text", "kind")}),
        (_("Scoring"), {"fields": ("required", "importance", "allow_unknown")}),
        (_("Numbers"), {"fields": ("unit", "min_value", "max_value")}),
        (_("Display condition"), {"fields": ("condition_question", "condition_values")}),
    )


@admin.register(Choice)
class ChoiceAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # simple_history ships no type hints
    list_display = ("key", "label", "question", "order")
    list_filter = ("question__section", "question__kind")
    search_fields = ("key", "label", "question__key", "question__text")
    inlines = [WeightInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Choice]:
        queryset: QuerySet[Choice] = super().get_queryset(request).select_related("question")
        return queryset


@admin.register(RiskRule)
class RiskRuleAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # simple_history ships no type hints
    list_display = ("title", "level", "option", "questionnaire")
    list_filter = ("level", "option", "questionnaire")
    search_fields = ("title", "description")
    list_select_related = ("option", "questionnaire")
    autocomplete_fields = ("choices",)
    fields = (
        "questionnaire",
        "option",
        "level",
        "title",
        "description",
        "improvement",
        "choices",
        "feature",
    )


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # see SectionInline
    """Published versions are immutable: they can be read, never added, changed or deleted here."""

    list_display = ("__str__", "questionnaire", "published_at", "published_by", "change_summary")
    list_select_related = ("questionnaire", "published_by")
    fields = (
        "version",
        "questionnaire",
        "checksum",
        "published_by",
        "published_at",
        "change_summary",
        "calibration_figures",
        "calibration_note",
        "changes",
        "snapshot_json",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("changes since the previous version"))
    def changes(self, obj: ScoringModel) -> str:
        previous = previous_model(obj)
        lines = diff_snapshots(previous.snapshot if previous else None, obj.snapshot)
        if not lines:
            return gettext("No changes.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines))
        )

    @admin.display(description=_("calibration when published"))
    def calibration_figures(self, obj: ScoringModel) -> str:
        figures = obj.calibration or {}
        if "top1" not in figures:
            return "—"
        line = f"top1={figures['top1']:.2f} top2={figures['top2']:.2f} cases={figures['cases']}"
        before = figures.get("current")
        if before:
            line += gettext(" (v%(version)s: top1=%(top1).2f top2=%(top2).2f)") % before
        changed = figures.get("changed") or []
        return format_html(
            "<p>{}</p><ul>{}</ul>",
            line,
            format_html_join(
                "",
                "<li>{}: {} → {} ({})</li>",
                ((c["case"], c["current"] or "—", c["draft"] or "—", c["chose"]) for c in changed),
            ),
        )

    @admin.display(description=_("snapshot"))
    def snapshot_json(self, obj: ScoringModel) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.snapshot, indent=2, ensure_ascii=False))
