"""Forms of the team pages: create, join, invite, section owners, and the confirmations."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.validators import validate_single_line

from .models import Role, Team, TeamMember

NAME_LENGTH = TeamMember._meta.get_field("name").max_length


class _Styled(forms.Form):
    """Bootstrap classes on every input, so templates lay out fields without widget tweaks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)


class CreateTeamForm(_Styled):
    name = forms.CharField(
        label=_("Team name"),
        max_length=Team._meta.get_field("name").max_length,
        validators=[validate_single_line],
        help_text=_("For example the project or cluster you are choosing for."),
    )
    owner_name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_LENGTH,
        validators=[validate_single_line],
        help_text=_("Your colleagues see it beside your answers."),
    )
    owner_role = forms.ChoiceField(label=_("Your role"), choices=Role.choices, initial=Role.OTHER)


class JoinForm(_Styled):
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_LENGTH,
        validators=[validate_single_line],
        help_text=_("Your colleagues see it beside your answers."),
    )
    role = forms.ChoiceField(label=_("Your role"), choices=Role.choices)
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        validators=[validate_single_line],
        help_text=_(
            "We send you your private link. Only the team's owner and our sales team see the address."
        ),
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def is_spam(self) -> bool:
        """A filled honeypot: people never see the field, naive bots fill it."""
        return bool(self.data.get("website"))


class InviteForm(_Styled):
    email = forms.EmailField(
        label=_("Colleague's e-mail"),
        validators=[validate_single_line],
        help_text=_("We send them the invitation link; the address is not stored."),
    )


class SectionRolesForm(_Styled):
    """One choice per questionnaire section: the role that answers it for the team."""

    def __init__(
        self, *args: Any, sections: list[str], initial_roles: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Majority of all members")), *Role.choices]
        for index, title in enumerate(sections):
            self.fields[f"section_{index}"] = forms.ChoiceField(
                label=title,
                choices=choices,
                required=False,
                initial=initial_roles.get(str(index), ""),
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def roles(self) -> dict[int, str]:
        return {
            int(name.removeprefix("section_")): value
            for name, value in self.cleaned_data.items()
            if value
        }


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(error_messages={"required": _("Tick the box to confirm.")})

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = label
