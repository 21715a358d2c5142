"""Forms of the share-link and deletion pages (the prospect's and the dashboard's)."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.assessments.models import Assessment
from apps.core.validators import validate_single_line

from .services import MAX_DAYS, MIN_DAYS, NewShareLink, create_share_link


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Recipient"),
        max_length=120,
        validators=[validate_single_line],
        help_text=_("Who the link is for, e.g. “CTO” or “Platform team”. Only you see this."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=MIN_DAYS,
        max_value=MAX_DAYS,
        help_text=_("Between 1 and 365 days."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"].initial = settings.SHARE_LINK_DEFAULT_DAYS

    def save(self, assessment: Assessment, *, created_by: User | None = None) -> NewShareLink:
        """The link the valid form asks for (its token is returned only here)."""
        return create_share_link(
            assessment=assessment,
            label=self.cleaned_data["label"],
            expires_in_days=self.cleaned_data["expires_in_days"],
            created_by=created_by,
        )
