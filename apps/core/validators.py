"""Validators shared by the forms and serializers of several apps."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Control characters (line breaks, tabs, NUL, DEL, C1 codes) and the Unicode line and
# paragraph separators: in an e-mail header they break the header or Django refuses it.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value)


def validate_single_line(value: str) -> None:
    """Refuses text with control characters or line breaks: names, companies, labels."""
    if has_control_characters(value):
        raise ValidationError(
            _("Use a single line without control characters."), code="control_characters"
        )
