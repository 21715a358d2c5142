from django.contrib import admin
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from apps.catalog.admin import findings_html
from apps.catalog.content_checks import findings_for_claims

from .models import Faq, FaqCategory, FaqClaim


@admin.register(FaqCategory)
class FaqCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    search_fields = ("name", "slug")
    ordering = ("order", "name")
    prepopulated_fields = {"slug": ("name",)}


class FaqClaimInline(admin.TabularInline):
    """The matrix cells an answer speaks of; a stated rating must match the cell's."""

    model = FaqClaim
    fields = ("feature", "technology", "rating")
    extra = 1
    verbose_name = _("matrix cell it speaks about")
    verbose_name_plural = _(
        "Matrix cells it speaks about (manage.py check_content compares a stated rating with "
        "the cell's)"
    )


@admin.register(Faq)
class FaqAdmin(SimpleHistoryAdmin):
    list_display = ("question", "category", "order", "published")
    list_editable = ("order", "published")
    list_filter = ("published", "category")
    list_select_related = ("category",)
    search_fields = ("question", "answer", "slug")
    ordering = ("category__order", "order", "id")
    prepopulated_fields = {"slug": ("question",)}
    fields = (
        "category",
        "question",
        "slug",
        "answer",
        "answer_preview",
        "order",
        "published",
        "content_check",
    )
    readonly_fields = ("answer_preview", "content_check")
    inlines = [FaqClaimInline]

    @admin.display(description=_("content check"))
    def content_check(self, obj: Faq) -> SafeString | str:
        if not obj.pk:
            return "—"
        claims = list(obj.claims.select_related("feature", "technology"))
        return findings_html(findings_for_claims(claims, owner=lambda claim: obj))

    @admin.display(description=_("answer as published"))
    def answer_preview(self, obj: Faq) -> SafeString | str:
        # Shows editors exactly what survives sanitising; empty until the question is saved.
        return obj.answer_html() if obj.pk else "—"
