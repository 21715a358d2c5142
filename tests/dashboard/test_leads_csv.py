"""The leads CSV as a spreadsheet reads it, whatever separator it guesses."""

import pytest
from django.urls import reverse

from apps.assessments.models import Assessment

pytestmark = pytest.mark.django_db


def test_it_quotes_every_field_and_defuses_every_cell(client, sales, leads):
    # given a company that starts a new cell at the ";" in a semicolon-separated reading
    (lead,) = leads(1)
    Assessment.objects.filter(pk=lead.pk).update(company="ACME;=HYPERLINK(1)")
    client.force_login(sales)

    # when
    response = client.get(reverse("dashboard:leads_csv"))

    # then every field is quoted, so the ";" stays inside the company's cell
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith('"Submitted","Company","Name",')
    assert '"ACME;=HYPERLINK(1)"' in lines[1]
    assert all(line.startswith('"') and line.endswith('"') for line in lines)
