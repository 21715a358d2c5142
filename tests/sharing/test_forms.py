"""The share-link label reaches no header today, but it is a contact field like the others."""

from apps.sharing.api import ShareLinkInput
from apps.sharing.forms import ShareLinkForm


def test_the_form_refuses_a_label_with_a_line_break():
    form = ShareLinkForm({"label": "CFO\r\nX: y", "expires_in_days": 7})

    assert set(form.errors) == {"label"}


def test_the_api_refuses_a_label_with_a_line_break():
    serializer = ShareLinkInput(data={"label": "CFO\r\nX: y"})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"label"}
