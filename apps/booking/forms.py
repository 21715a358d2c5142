"""The prospect's booking form and the time-zone choice."""

import functools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.forms import BoundField
from django.utils import dateformat
from django.utils.translation import gettext_lazy as _

from apps.core.validators import validate_single_line

from .models import Slot, is_timezone, timezone_names

# Old aliases and POSIX leftovers the browser never reports; kept valid, not offered.
_HIDDEN_ZONE_PREFIXES = ("Etc/", "SystemV/", "US/", "posix", "right/")


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    """Region/City zones plus UTC, sorted, for the time-zone select."""
    names = sorted(
        name
        for name in timezone_names()
        if "/" in name and not name.startswith(_HIDDEN_ZONE_PREFIXES)
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def timezone_choices_with(current: str) -> list[tuple[str, str]]:
    """The select's choices, with the zone in use added when it is a rarely offered alias."""
    choices = timezone_choices()
    if any(value == current for value, _label in choices):
        return choices
    return [(current, current), *choices]


def resolve_timezone(value: str | None, default: str = "UTC") -> str:
    """The zone name asked for if it is a real one, else the default."""
    return value if value and is_timezone(value) else default


def slot_label(slot: Slot, zone: ZoneInfo) -> str:
    """A slot's time in a zone, e.g. "Tue 4 Mar 2025, 10:00–10:45"."""
    start: datetime = slot.start.astimezone(zone)
    end: datetime = slot.end.astimezone(zone)
    return f"{dateformat.format(start, 'D j M Y, H:i')}–{dateformat.format(end, 'H:i')}"


class AccessibleBoundField(BoundField):
    """Marks fields with errors for Bootstrap as well as for assistive technology."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and not (widget or self.field.widget).is_hidden:
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
        return attrs


class BookingForm(forms.Form):
    """Who is coming. ``slot`` is hidden, or a choice of alternatives after a clash."""

    bound_field_class = AccessibleBoundField

    slot = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "form-control"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        validators=[validate_single_line],
        help_text=_("The confirmation and calendar invite go here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "form-control"}),
    )
    company = forms.CharField(
        label=_("Company or institution"),
        max_length=160,
        required=False,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "organization", "class": "form-control"}),
    )
    notes = forms.CharField(
        label=_("What would you like to discuss?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )
    timezone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-timezone": ""})
    )
    assessment = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    # Honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(
        self,
        *args: Any,
        alternatives: list[Slot] | None = None,
        zone: ZoneInfo | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if alternatives:
            zone = zone or ZoneInfo("UTC")
            self.fields["slot"] = forms.TypedChoiceField(
                label=_("Choose another time"),
                coerce=int,
                choices=[(slot.pk, slot_label(slot, zone)) for slot in alternatives],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={
                    "required": _("Please choose one of these times."),
                    "invalid_choice": _("Please choose one of these times."),
                },
            )

    def clean_timezone(self) -> str:
        return resolve_timezone(self.cleaned_data.get("timezone"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("Please leave the field “Leave this field empty” empty."), code="honeypot"
            )
        return cleaned


class RescheduleForm(forms.Form):
    """The slot a booking moves to."""

    slot = forms.IntegerField(min_value=1)
