from typing import Any, cast

from django import forms
from django.db.models import Model
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


class ChangesForm(forms.Form):
    """The changelog's filter, read from the query string: one technology, by slug, or all."""

    technology = forms.ModelChoiceField(
        label=_("Technology"),
        queryset=Technology.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All technologies"),
        error_messages={
            "invalid_choice": _("There is no such technology; choose one from the list.")
        },
    )


class MatrixCellAdminForm(forms.ModelForm):
    """A matrix cell in the admin: a changed rating needs a one-line note for the changelog.

    No Meta: the admin makes the form for MatrixCell with the fields it shows.
    """

    # simple-history keeps the reason in a 100-character column.
    change_reason = forms.CharField(
        label=_("Why did the rating change?"),
        max_length=100,
        required=False,
        help_text=_("Required when the rating changes; shown on the public changelog."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean() or {}
        note = " ".join(cleaned_data.get("change_reason", "").split())
        cleaned_data["change_reason"] = note
        if self.instance.pk and "rating" in self.changed_data and not note:
            self.add_error(
                "change_reason", _("Say in one line why the rating changed (shown publicly).")
            )
        return cleaned_data

    def save(self, commit: bool = True) -> Model:
        # simple-history stores the instance's _change_reason on the history row it writes.
        self.instance._change_reason = self.cleaned_data.get("change_reason", "")  # type: ignore[attr-defined]
        return super().save(commit=commit)
