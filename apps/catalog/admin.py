"""Admin for engineers: technologies, the matrix (with import/export) and its history."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from .content_checks import Finding, findings_for_cell, findings_for_claims
from .forms import MatrixCellAdminForm
from .models import (
    Category,
    Feature,
    MatrixCell,
    MatrixCellQuerySet,
    Scenario,
    ScenarioClaim,
    Source,
    Technology,
    TechnologyPoint,
)
from .services import content_changed

# Smaller text areas, and links typed without a scheme are taken as https.
COMPACT_TEXT: "dict[type[models.Field[Any, Any]], dict[str, Any]]" = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 48})},
    models.URLField: {"assume_scheme": "https"},
}


def findings_html(findings: list[Finding]) -> SafeString:
    """The content check's findings on one object, for its admin page."""
    if not findings:
        return format_html("{}", _("Nothing found (manage.py check_content)."))
    items = format_html_join("", "<li>{}</li>", ((finding.message,) for finding in findings))
    return format_html("<ul>{}</ul>", items)


class MatrixCellResource(resources.ModelResource):
    """The matrix as a spreadsheet: one row per cell, feature and technology by slug."""

    feature = fields.Field(
        attribute="feature",
        column_name="feature",
        widget=widgets.ForeignKeyWidget(Feature, field="slug"),
    )
    technology = fields.Field(
        attribute="technology",
        column_name="technology",
        widget=widgets.ForeignKeyWidget(Technology, field="slug"),
    )
    # Spreadsheets return an empty cell as None; the column is text that may be empty.
    detail = fields.Field(
        attribute="detail", column_name="detail", widget=widgets.CharWidget(allow_blank=True)
    )
    # Exported for reading, never imported: a verification is a record of who re-checked the
    # cell against which sources ("I re-checked this cell"), not a date typed into a sheet.
    last_verified = fields.Field(
        attribute="last_verified",
        column_name="last_verified",
        widget=widgets.DateWidget(),
        readonly=True,
    )

    class Meta:
        model = MatrixCell
        fields = ("feature", "technology", "rating", "summary", "detail", "last_verified")
        export_order = fields
        import_id_fields = ("feature", "technology")
        skip_unchanged = True
        report_skipped = True
        # Run the model's validation (rating scale, lengths) on every imported row.
        clean_model_instances = True


class StaleFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("yes", _("Stale (last verified more than 12 months ago)")),
            ("never", _("Not yet verified")),
            ("no", _("Verified within 12 months")),
        ]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        # The filter is listed on the MatrixCell admin only: its queryset is MatrixCell's.
        cells = cast(MatrixCellQuerySet, queryset)
        if self.value() == "yes":
            return cells.stale()
        if self.value() == "never":
            return cells.never_verified()
        if self.value() == "no":
            return cells.filter(last_verified__isnull=False).exclude(
                pk__in=MatrixCell.objects.stale().values("pk")
            )
        return queryset


class TechnologyPointInline(admin.StackedInline):
    model = TechnologyPoint
    fields = (("kind", "order"), "title", "body", "feature")
    extra = 0
    formfield_overrides = COMPACT_TEXT


class ScenarioInline(admin.StackedInline):
    model = Scenario
    fields = (("title", "order"), "condition", "explanation")
    extra = 0
    formfield_overrides = COMPACT_TEXT


@admin.register(Technology)
class TechnologyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "kind", "is_option", "licence", "order")
    list_filter = ("kind", "is_option")
    list_editable = ("order",)
    search_fields = ("name", "slug", "tagline", "description", "maintainer")
    ordering = ("order", "name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TechnologyPointInline, ScenarioInline]
    formfield_overrides = COMPACT_TEXT
    fieldsets = [
        (None, {"fields": ("name", "slug", "kind", "tagline", "description")}),
        (
            _("Facts"),
            {
                "fields": (
                    "homepage",
                    "documentation_urls",
                    "first_release_year",
                    "licence",
                    "maintainer",
                )
            },
        ),
        (_("Display"), {"fields": ("is_option", "colour", "order")}),
    ]


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "feature_count", "order")
    list_editable = ("order",)
    search_fields = ("name", "slug", "description")
    ordering = ("order", "name")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).annotate(feature_total=models.Count("features"))

    @admin.display(description=_("features"), ordering="feature_total")
    def feature_count(self, obj: Category) -> int:
        return obj.feature_total  # type: ignore[attr-defined]


class MatrixCellInline(admin.TabularInline):
    """One row per technology: rows for technologies without a cell yet start pre-filled."""

    model = MatrixCell
    form = MatrixCellAdminForm
    fields = ("technology", "rating", "change_reason", "summary", "detail", "last_verified")
    # A verification is recorded by the "I re-checked" action, never typed in.
    readonly_fields = ("last_verified",)
    extra = 0
    show_change_link = True
    formfield_overrides = COMPACT_TEXT

    def missing_technologies(self, feature: Feature | None) -> list[Technology]:
        technologies = Technology.objects.all()
        if feature is not None and feature.pk:
            technologies = technologies.exclude(cells__feature=feature)
        return list(technologies)

    def get_extra(self, request: HttpRequest, obj: Feature | None = None, **kwargs: Any) -> int:
        return len(self.missing_technologies(obj))

    def get_max_num(self, request: HttpRequest, obj: Feature | None = None, **kwargs: Any) -> int:
        return Technology.objects.count()


@admin.register(Feature)
class FeatureAdmin(SimpleHistoryAdmin):
    list_display = ("name", "category", "slug", "order")
    list_filter = ("category",)
    list_editable = ("order",)
    list_select_related = ("category",)
    search_fields = ("name", "slug", "description", "why_it_matters")
    ordering = ("category__order", "order", "name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MatrixCellInline]
    formfield_overrides = COMPACT_TEXT

    def get_formset_kwargs(
        self,
        request: HttpRequest,
        obj: Feature | None,
        inline: "InlineModelAdmin[Any, Feature]",
        prefix: str,
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, MatrixCellInline):
            # The same initial rows on GET and POST, so untouched rows stay unchanged and unsaved.
            missing = inline.missing_technologies(obj)
            kwargs["initial"] = [{"technology": technology.pk} for technology in missing]
        return kwargs


class SourceInline(admin.TabularInline):
    model = Source
    fields = ("title", "url", "about_other_product", "order")
    extra = 1
    formfield_overrides = COMPACT_TEXT


@admin.register(MatrixCell)
class MatrixCellAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [MatrixCellResource]
    form = MatrixCellAdminForm
    formats = [base_formats.CSV, base_formats.XLSX]
    list_display = (
        "feature",
        "technology",
        "rating_label",
        "summary",
        "last_verified",
        "verified_by",
        "is_stale",
    )
    list_filter = ("rating", "technology", "feature__category", StaleFilter)
    list_select_related = ("feature", "technology")
    search_fields = ("feature__name", "feature__slug", "technology__name", "summary", "detail")
    ordering = ("feature__category__order", "feature__order", "technology__order")
    inlines = [SourceInline]
    actions = ["mark_rechecked"]
    formfield_overrides = COMPACT_TEXT
    # A verification is recorded by the "I re-checked" action, never typed in.
    readonly_fields = ("last_verified", "verified_by", "verified_against", "content_check")
    exclude = ("verified_sources",)

    @admin.display(description=_("content check"))
    def content_check(self, obj: MatrixCell) -> SafeString | str:
        # The saved cell and its saved sources; nothing to check before the first save.
        return findings_html(findings_for_cell(obj)) if obj.pk else "—"

    @admin.display(description=_("rating"), ordering="rating")
    def rating_label(self, obj: MatrixCell) -> str:
        return obj.rating_label

    @admin.display(description=_("stale"), boolean=True)
    def is_stale(self, obj: MatrixCell) -> bool:
        return obj.is_stale()

    @admin.display(description=_("verified against"))
    def verified_against(self, obj: MatrixCell) -> str:
        return ", ".join(source.title for source in obj.verified_sources.all()) or "—"

    def view_on_site(self, obj: MatrixCell) -> str:
        return obj.feature.get_absolute_url()

    @admin.action(
        description=_("I re-checked these cells against all their sources today"),
        permissions=["change"],
    )
    def mark_rechecked(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        """Record the check: this editor, today, against every source each cell has now.

        One history row per cell names the editor and holds the sources checked.
        """
        cells = list(queryset.prefetch_related("sources"))
        today = timezone.localdate()
        with transaction.atomic():
            for cell in cells:
                cell.last_verified = today
                cell.verified_by = request.user
                # The sources first, without a history row of their own: the save below
                # records one row with the date, the editor and these sources together.
                cell.skip_history_when_saving = True
                cell.verified_sources.set(cell.sources.all())
                del cell.skip_history_when_saving
                cell._history_user = request.user
                cell._change_reason = "Re-checked against its sources"
                cell.save(update_fields=["last_verified", "verified_by"])
        # Cached pages show the verification (the saves signal it too; say it once for all).
        content_changed()
        self.message_user(
            request,
            ngettext(
                "%d cell recorded as re-checked by you today.",
                "%d cells recorded as re-checked by you today.",
                len(cells),
            )
            % len(cells),
            messages.SUCCESS,
        )

    def has_import_permission(self, request: HttpRequest) -> bool:
        # An import adds and changes cells: require both, not just access to the admin.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_or_change_permission(request)


@admin.register(TechnologyPoint)
class TechnologyPointAdmin(SimpleHistoryAdmin):
    list_display = ("title", "technology", "kind", "feature", "order")
    list_filter = ("kind", "technology")
    list_select_related = ("technology", "feature")
    search_fields = ("title", "body")
    formfield_overrides = COMPACT_TEXT


class ScenarioClaimInline(admin.TabularInline):
    """The matrix cells a scenario speaks of; a stated rating must match the cell's."""

    model = ScenarioClaim
    fields = ("feature", "technology", "rating")
    extra = 1
    verbose_name = _("matrix cell it speaks about")
    verbose_name_plural = _(
        "Matrix cells it speaks about (manage.py check_content compares a stated rating with "
        "the cell's)"
    )


@admin.register(Scenario)
class ScenarioAdmin(SimpleHistoryAdmin):
    list_display = ("title", "technology", "condition", "order")
    list_filter = ("technology",)
    list_select_related = ("technology",)
    search_fields = ("title", "condition", "explanation")
    formfield_overrides = COMPACT_TEXT
    inlines = [ScenarioClaimInline]
    readonly_fields = ("content_check",)

    @admin.display(description=_("content check"))
    def content_check(self, obj: Scenario) -> SafeString | str:
        if not obj.pk:
            return "—"
        claims = list(obj.claims.select_related("feature", "technology"))
        return findings_html(findings_for_claims(claims, owner=lambda claim: obj))
