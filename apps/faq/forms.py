from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import FaqCategory


class FaqSearchForm(forms.Form):
    """Search words and a category, read from the query string."""

    q = forms.CharField(label=_("Search the questions"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        error_messages={
            "invalid_choice": _("There is no category “%(value)s”; choose one from the list.")
        },
    )

    def __init__(self, data: QueryDict, *, categories: list[FaqCategory]) -> None:
        super().__init__(data)
        self.categories = categories
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in categories
        ]

    def clean_category(self) -> FaqCategory | None:
        slug = self.cleaned_data["category"]
        return next((c for c in self.categories if c.slug == slug), None)

    def filters(self) -> dict[str, Any]:
        return {"query": self.cleaned_data["q"], "category": self.cleaned_data["category"]}
