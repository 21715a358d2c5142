"""Share links and their views in the admin: read-only records, revoke as the only edit."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.assessments.models import ShareLink, ShareLinkView

from . import services


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = (
        "label",
        "assessment",
        "created_at",
        "expires_at",
        "revoked_at",
        "views",
        "last_view",
    )
    list_filter = ("created_at", "expires_at", "revoked_at")
    list_select_related = ("assessment", "created_by")
    search_fields = ("label", "assessment__company")
    fields = ("assessment", "label", "created_by", "created_at", "expires_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShareLink]:
        return (
            super()
            .get_queryset(request)
            .annotate(view_count=Count("views"), last_viewed_at=Max("views__viewed_at"))
        )

    @admin.display(description=_("views"), ordering="view_count")
    def views(self, link: Any) -> int:
        return int(link.view_count)

    @admin.display(description=_("last view"), ordering="last_viewed_at")
    def last_view(self, link: Any) -> Any:
        return link.last_viewed_at

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected links"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareLink]) -> None:
        count = sum(services.revoke_share_link(link=link) for link in queryset.only("pk"))
        self.message_user(
            request,
            ngettext("%(count)d link revoked.", "%(count)d links revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ShareLinkView)
class ShareLinkViewAdmin(admin.ModelAdmin):
    list_display = ("link", "viewed_at", "browser_family", "is_pdf")
    list_filter = ("is_pdf", "browser_family", "viewed_at")
    list_select_related = ("link",)
    readonly_fields = ("link", "viewed_at", "browser_family", "is_pdf")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
