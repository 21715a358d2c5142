"""Admins register webhook endpoints (the secret is shown once) and follow every delivery."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

from .forms import WebhookEndpointForm
from .models import (
    Event,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from .services import webhooks

# ModelAdmin and its inlines are generic only in django-stubs; subscripting them at run time
# needs django-stubs-ext's monkeypatch, a development-only dependency here.


def _show_secret_once(request: HttpRequest, endpoint: WebhookEndpoint) -> None:
    messages.warning(
        request,
        _(
            "The signing secret of %(url)s is %(secret)s. Copy it into the receiver now: "
            "it is not shown again."
        )
        % {"url": endpoint.url, "secret": endpoint.secret},
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = WebhookEndpointForm
    list_display = ["url", "event_list", "active", "owner", "failing_since", "last_status"]
    list_filter = ["active"]
    list_select_related = ["owner"]
    readonly_fields = ["created_at", "failing_since", "disabled_at"]
    actions = ["rotate_secret"]

    @admin.display(description=_("events"))
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events or [])

    @admin.display(description=_("last delivery"))
    def last_status(self, endpoint: WebhookEndpoint) -> str:
        return webhooks.last_status(endpoint)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"owner": request.user.pk}

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        if not change:
            obj.secret = webhooks.new_secret()
            if obj.owner_id is None and isinstance(request.user, User):
                obj.owner = request.user
        elif "active" in form.changed_data and obj.active:
            # Switched back on: its failing streak starts afresh.
            obj.failing_since = None
            obj.disabled_at = None
        super().save_model(request, obj, form, change)
        if not change:
            _show_secret_once(request, obj)

    @admin.action(description=_("Make a new signing secret (shown once)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoint.secret = webhooks.new_secret()
            endpoint.save(update_fields=["secret"])
            _show_secret_once(request, endpoint)


ATTEMPT_FIELDS = ("number", "started_at", "duration_ms", "status_code", "error", "response_excerpt")
DELIVERY_FIELDS = (
    "uid",
    "endpoint",
    "event",
    "status",
    "manual",
    "attempt_count",
    "created_at",
    "next_attempt_at",
    "finished_at",
    "note",
)


class WebhookAttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "uid",
        "event_type",
        "endpoint",
        "status",
        "attempt_count",
        "created_at",
        "next_attempt_at",
        "manual",
    ]
    list_filter = ["status", "event__type", "endpoint", "manual"]
    list_select_related = ["event", "endpoint"]
    date_hierarchy = "created_at"
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Redeliver the selected events"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent = refused = 0
        for delivery in queryset:
            if webhooks.redeliver(delivery=delivery) is None:
                refused += 1
            else:
                sent += 1
        if sent:
            messages.success(request, _("%(count)s redeliveries queued.") % {"count": sent})
        if refused:
            messages.warning(
                request,
                _("%(count)s not redelivered: their endpoint is not active.") % {"count": refused},
            )


EVENT_FIELDS = ("created_at", "type", "assessment", "object_id", "actor", "dispatched_at")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "type", "assessment", "object_id", "actor", "dispatched_at"]
    list_filter = ["type"]
    list_select_related = ["assessment", "actor"]
    fields = (*EVENT_FIELDS, "uid", "key", "first")
    readonly_fields = (*EVENT_FIELDS, "uid", "key", "first")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "assessment_scored", "booking_created", "digest_time", "timezone"]
    list_select_related = ["user"]
