"""The wizard's own forms; the answer rules are tested in tests/questionnaire/test_forms.py."""

from apps.assessments import forms


def test_it_limits_contact_fields_to_the_model_lengths():
    form = forms.ContactForm({"name": "x" * 121, "email": "not-an-address"})

    assert set(form.errors) == {"name", "email"}
