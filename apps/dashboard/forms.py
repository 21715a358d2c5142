"""Forms of the sales dashboard: the leads filter and the re-score request."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Technology

from .services import DEFAULT_SORT, LeadFilter

BOOKED_CHOICES = [("", _("Booked or not")), ("yes", _("Booked")), ("no", _("Not booked"))]
SORT_CHOICES = [
    (f"{prefix}{key}", label)
    for key, labels in {
        "date": (_("Newest first"), _("Oldest first")),
        "fit": (_("Highest fit"), _("Lowest fit")),
        "confidence": (_("Highest confidence"), _("Lowest confidence")),
        "company": (_("Company Z–A"), _("Company A–Z")),
        "contact": (_("Contact Z–A"), _("Contact A–Z")),
        "recommendation": (_("Recommendation Z–A"), _("Recommendation A–Z")),
        "status": (_("Status Z–A"), _("Status A–Z")),
    }.items()
    for prefix, label in (("-", labels[0]), ("", labels[1]))
]


class AccessibleForm(forms.Form):
    """Bootstrap classes on every widget, and invalid fields linked to their error message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if not isinstance(field.widget, forms.RadioSelect | forms.MultipleHiddenInput):
                field.widget.attrs.setdefault("class", css)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}_error"
                attrs["class"] = attrs.get("class", "") + " is-invalid"


class LeadFilterForm(AccessibleForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Company, name or e-mail")}
        ),
    )
    date_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    recommendation = forms.ModelChoiceField(
        label=_("Recommendation"),
        queryset=Technology.objects.options(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any recommendation"),
    )
    booked = forms.ChoiceField(label=_("Booking"), choices=BOOKED_CHOICES, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def criteria(self) -> LeadFilter:
        """The valid filters; an invalid field is left out (and its error shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        recommendation = data.get("recommendation")
        return LeadFilter(
            q=(data.get("q") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
            recommendation=recommendation.slug if recommendation else "",
            booked=data.get("booked") or "",
            sort=data.get("sort") or DEFAULT_SORT,
        )


class IdsField(forms.TypedMultipleChoiceField):
    """Assessment ids ticked in the leads table; the service keeps only scored ones."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class RescoreForm(AccessibleForm):
    scope = forms.ChoiceField(
        label=_("Which assessments"),
        choices=[("selected", _("The selected ones")), ("all", _("All scored assessments"))],
        widget=forms.RadioSelect,
        initial="all",
    )
    ids = IdsField(coerce=int, required=False, widget=forms.MultipleHiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "selected" and not data.get("ids"):
            self.add_error("scope", _("Select at least one assessment in the leads table."))
        return data
