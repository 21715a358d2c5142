"""Forms of the assessment wizard besides the answers: contact, resume link, honeypot.

The answer rules are the questionnaire's (``apps.questionnaire.forms``).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.assessments.models import Assessment
from apps.core.validators import validate_single_line


class ContactForm(forms.Form):
    """The last step: optional contact details, consent, and a honeypot for bots."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=Assessment._meta.get_field("contact_name").max_length,
        validators=[validate_single_line],
    )
    email = forms.EmailField(
        label=_("Work e-mail"), required=False, validators=[validate_single_line]
    )
    company = forms.CharField(
        label=_("Company or institution"),
        required=False,
        max_length=Assessment._meta.get_field("company").max_length,
        validators=[validate_single_line],
    )
    role = forms.CharField(
        label=_("Role"),
        required=False,
        max_length=Assessment._meta.get_field("role").max_length,
        validators=[validate_single_line],
    )
    consent = forms.BooleanField(
        label=_("You may contact me about this assessment and keep the details above for that."),
        required=False,
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def is_spam(self) -> bool:
        """A filled honeypot: people never see the field, naive bots fill it."""
        return bool(self.data.get("website"))

    def contact(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in ("name", "email", "company", "role")}


class ResumeLinkForm(forms.Form):
    """An optional address to e-mail the private resume link to; it is not stored."""

    resume_email = forms.EmailField(
        label=_("E-mail me my resume link"), required=False, validators=[validate_single_line]
    )


class HoneypotForm(forms.Form):
    """The start form: nothing to fill in but the honeypot."""

    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))


class DeleteAssessmentForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that my answers, result, contact details and share links are deleted for good."
        ),
        error_messages={"required": _("Tick the box to confirm the deletion.")},
    )
