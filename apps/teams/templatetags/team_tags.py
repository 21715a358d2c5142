"""Small helpers of the team templates."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.simple_tag
def fit_of(fits: dict[str, float], slug: str) -> str:
    """A member's fit for one option, to one decimal; a dash before they have a result."""
    if slug not in fits:
        return "—"
    return str(number_format(fits[slug], decimal_pos=1))
