from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import Category, Technology


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Accepts unknown values so that the form can ignore them and say so."""

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class CompareForm(forms.Form):
    """The state of the comparison page, read from the query string.

    Without any ``tech`` every technology is compared; unknown technology slugs are ignored
    (and listed in ``ignored``); fewer than two known ones is an error.
    """

    tech = LenientMultipleChoiceField(
        label=_("Technologies"), required=False, widget=forms.CheckboxSelectMultiple
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        error_messages={
            "invalid_choice": _("There is no category “%(value)s”; choose one from the list.")
        },
    )
    differ = forms.BooleanField(label=_("Only rows that differ"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(
        self, data: QueryDict, *, technologies: list[Technology], categories: list[Category]
    ) -> None:
        self.tech_defaulted = not data.getlist("tech")
        if self.tech_defaulted:
            data = data.copy()
            data.setlist("tech", [technology.slug for technology in technologies])
        super().__init__(data)
        self.technologies = technologies
        self.categories = categories
        self.ignored: list[str] = []
        cast(forms.ChoiceField, self.fields["tech"]).choices = [
            (t.slug, t.name) for t in technologies
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in categories
        ]
        self.fields["q"].widget.input_type = "search"

    def clean_tech(self) -> list[Technology]:
        slugs = self.cleaned_data["tech"]
        known = {technology.slug for technology in self.technologies}
        self.ignored = [slug for slug in slugs if slug not in known]
        chosen = [technology for technology in self.technologies if technology.slug in slugs]
        if len(chosen) < 2:
            raise forms.ValidationError(
                _("Choose at least two technologies to compare."), code="too_few"
            )
        return chosen

    def clean_category(self) -> Category | None:
        slug = self.cleaned_data["category"]
        return next((c for c in self.categories if c.slug == slug), None)

    def matrix_params(self) -> dict[str, Any]:
        """Keyword arguments for ``services.build_matrix``."""
        return {
            "technologies": self.cleaned_data["tech"],
            "category": self.cleaned_data["category"],
            "query": self.cleaned_data["q"],
            "differ": self.cleaned_data["differ"],
        }
