from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Technology

from .models import Case


class CaseFilterForm(forms.Form):
    """The filters of the case list, read from the query string; both optional."""

    chose = forms.ModelChoiceField(
        label=_("Option chosen"),
        queryset=Technology.objects.options(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any option"),
    )
    sector = forms.ChoiceField(
        label=_("Sector"),
        choices=[("", _("Any sector")), *Case.Sector.choices],
        required=False,
    )

    def filter(self, cases: "models.QuerySet[Case]") -> "models.QuerySet[Case]":
        """The cases that match the valid filters; an invalid one is ignored (and reported)."""
        self.is_valid()
        values = getattr(self, "cleaned_data", {})
        if values.get("chose"):
            cases = cases.filter(chose=values["chose"])
        if values.get("sector"):
            cases = cases.filter(sector=values["sector"])
        return cases
