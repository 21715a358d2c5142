"""Team assessments in the admin: read-only records for staff, members inline."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Team, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    fields = ("name", "email", "role", "is_owner", "only_for_team", "joined_at", "answered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "owner_assessment", "member_count", "disagreement_count", "created_at")
    list_select_related = ("owner_assessment",)
    search_fields = ("name", "members__name", "owner_assessment__company")
    fields = (
        "name",
        "owner_assessment",
        "scoring_model",
        "section_roles",
        "disagreement_count",
        "created_at",
    )
    readonly_fields = fields
    inlines = [TeamMemberInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(members_total=Count("members"))

    @admin.display(description=_("members"), ordering="members_total")
    def member_count(self, obj: Team) -> int:
        return int(getattr(obj, "members_total", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
