"""A Sales user's notification preferences, and the admin's endpoint form."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PREFERENCE_FIELDS, EventType, NotificationPreference, WebhookEndpoint
from .services import addresses


class PreferenceForm(forms.ModelForm):  # type: ignore[type-arg]
    """Instant, digest or nothing per event; the digest's local time and time zone."""

    class Meta:
        model = NotificationPreference
        fields = [*PREFERENCE_FIELDS.values(), "digest_time", "timezone"]
        widgets = {
            **dict.fromkeys(PREFERENCE_FIELDS.values(), forms.RadioSelect),
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for event_type, name in PREFERENCE_FIELDS.items():
            self.fields[name].label = EventType(event_type).label
        for name in ("digest_time", "timezone"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["timezone"].widget.attrs["autocomplete"] = "off"

    def channel_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PREFERENCE_FIELDS.values()]


class WebhookEndpointForm(forms.ModelForm):  # type: ignore[type-arg]
    """The events as checkboxes; the URL checked against the address rules."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events", "description", "active", "owner"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            addresses.check_url(url)
        except addresses.UnsafeURL as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean_events(self) -> list[str]:
        chosen = set(self.cleaned_data["events"])
        return [value for value in EventType.values if value in chosen]
