"""The wizard's own forms; the answer rules are tested in tests/questionnaire/test_forms.py."""

from apps.assessments import forms
from apps.assessments.api import ContactSerializer


def test_it_limits_contact_fields_to_the_model_lengths():
    form = forms.ContactForm({"name": "x" * 121, "email": "not-an-address"})

    assert set(form.errors) == {"name", "email"}


CONTACT_WITH_LINE_BREAKS = {
    "name": "Ada\r\nX: y",
    "email": "ada@example.org\nBcc: eve@example.org",
    "company": "ACME\u2028X",
    "role": "C\x0bTO",
}


def test_it_refuses_control_characters_in_every_contact_field():
    form = forms.ContactForm(CONTACT_WITH_LINE_BREAKS)

    assert set(form.errors) == set(CONTACT_WITH_LINE_BREAKS)


def test_the_api_refuses_control_characters_in_every_contact_field():
    serializer = ContactSerializer(data=CONTACT_WITH_LINE_BREAKS)

    assert not serializer.is_valid()
    assert set(serializer.errors) == set(CONTACT_WITH_LINE_BREAKS)
