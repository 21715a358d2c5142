import io
import re

import pytest
from django.db import transaction
from django.test import override_settings
from pypdf import PdfReader

from apps.reports import pdf as reports

from .factories import make_assessment, make_catalog, make_scoring_model


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> dict[str, bytes]:
    """Both variants of one report, rendered once for this module (rendering takes a second)."""
    with (
        django_db_blocker.unblock(),
        override_settings(SITE_URL="https://advisor.example"),
        transaction.atomic(),
    ):
        make_catalog()
        assessment, _ = make_assessment(scoring_model=make_scoring_model())
        pdfs = {
            "full": reports.render_pdf(assessment, show_contact=True),
            "shared": reports.render_pdf(assessment, show_contact=False),
        }
        transaction.set_rollback(True)
    return pdfs


def _read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def test_it_renders_a_valid_pdf_that_names_the_recommendation(rendered):
    reader, pages = _read(rendered["full"])

    assert rendered["full"].startswith(b"%PDF-")
    assert len(reader.pages) >= 4
    assert "RECOMMENDATION" in pages[0].upper()
    assert "SLURM" in pages[0]
    assert "Analytical Engines Ltd" in pages[0]
    assert reader.metadata.title == "Orchestration assessment report: SLURM"
    assert reader.metadata.author == "Orchestration Advisor"
    assert reader.metadata.creation_date is not None
    assert "SLURM" in reader.metadata["/Keywords"]


def test_it_numbers_every_page_and_builds_an_outline(rendered):
    reader, pages = _read(rendered["full"])

    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert re.search(rf"\b{number} / {total}\b", text), f"page {number} has no number"
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Executive summary" in titles
    assert "Risks and improvements" in titles
    assert "Next steps" in titles


def test_it_draws_the_charts_as_vector_graphics_with_searchable_labels(rendered):
    reader, pages = _read(rendered["full"])

    text = "\n".join(pages)
    # Axis labels of the fit and what-if charts come through as text.
    assert "Fit (0–100)" in text
    assert "What if: How many nodes does your largest job use?" in text
    summary = next(page for page in reader.pages if "Fit per option" in page.extract_text())
    content = summary.get_contents().get_data()
    # The SVG is drawn as vector paths, not pasted as a picture: no raster image on the
    # page, and SLURM's bar is a rectangle filled with its web colour #1f6feb.
    xobjects = summary["/Resources"].get("/XObject", {})
    assert all(xobjects[name].get_object()["/Subtype"] != "/Image" for name in xobjects)
    assert content.count(b" re\n") >= 5
    assert b"0.121569 0.435294 0.921569 rg" in content


def test_it_lists_the_answers_the_matrix_rows_and_the_booking_link(rendered):
    _, pages = _read(rendered["full"])

    text = "\n".join(pages)
    assert "Which interconnect do the nodes use?" in text
    assert "InfiniBand" in text
    assert "MLflow, Ray" in text
    assert "5,000 jobs" in text
    assert "Don't know" in text
    assert "Matrix rows that mattered" in text
    assert "MPI launch" in text
    assert "https://advisor.example/booking/" in text


def test_it_leaves_the_contact_out_of_the_shared_variant(rendered):
    _, pages = _read(rendered["shared"])

    text = "\n".join(pages)
    assert "SLURM" in text
    assert "Analytical Engines" not in text
    assert "Ada Lovelace" not in text
    assert "Head of HPC" not in text
