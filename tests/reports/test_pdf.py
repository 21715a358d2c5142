import io
import re
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from pypdf import PdfReader

from apps.reports import pdf as reports
from apps.reports.builder import build_report

from .factories import ANSWERS, make_assessment, make_catalog, make_scoring_model

# The module's one render reaches the database; the mark makes pytest-django set it up even
# when this module runs alone.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> dict[str, Any]:
    """Both variants of one report, rendered once for this module (rendering takes a second),
    and what the engine stored for it: the texts the PDF must carry."""
    with (
        django_db_blocker.unblock(),
        override_settings(SITE_URL="https://advisor.example"),
        transaction.atomic(),
    ):
        make_catalog()
        # Users of both kinds make a closer call, so the report names answers that would change it.
        assessment, _ = make_assessment(
            scoring_model=make_scoring_model(), answers={**ANSWERS, "user_interaction": "both"}
        )
        report = build_report(assessment, show_contact=True)
        pdfs = {
            "full": reports.render_pdf(assessment, show_contact=True),
            "shared": reports.render_pdf(assessment, show_contact=False),
            "result": assessment.result,
            "snapshot": assessment.scoring_model.snapshot,
            "colour": assessment.recommendation.colour,
            "matrix_rows": [row.feature.name for row in report.matrix_rows],
            "matrix_first_row": [
                (each.technology.name, each.cell.rating_label if each.cell else "not rated")
                for each in report.matrix_rows[0].cells
            ],
        }
        transaction.set_rollback(True)
    return pdfs


def _question(rendered, key: str) -> dict:
    sections = rendered["snapshot"]["sections"]
    return next(q for s in sections for q in s["questions"] if q["key"] == key)


def _pdf_fill(colour: str) -> bytes:
    """The PDF operator that fills with a web colour (#rrggbb)."""
    channels = [int(colour[n : n + 2], 16) / 255 for n in (1, 3, 5)]
    return (" ".join(f"{c:.6f}".rstrip("0").rstrip(".") for c in channels) + " rg").encode()


def _read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def test_it_renders_a_valid_pdf_that_names_the_recommendation(rendered):
    reader, pages = _read(rendered["full"])

    assert rendered["full"].startswith(b"%PDF-")
    assert len(reader.pages) >= 4
    assert "RECOMMENDATION" in pages[0].upper()
    assert "Slurm" in pages[0]
    assert "Analytical Engines Ltd" in pages[0]
    assert reader.metadata.title == "Orchestration assessment report: Slurm"
    assert reader.metadata.author == "Orchestration Advisor"
    assert reader.metadata.creation_date is not None
    assert "Slurm" in reader.metadata["/Keywords"]


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
    # The fits' column and the what-if charts' axes are labelled in text.
    assert "Fit (0–100)" in text
    assert rendered["result"]["what_if"][0]["question"] == "largest_job_nodes"
    assert f"What if: {_question(rendered, 'largest_job_nodes')['text']}" in text
    # Under a heading that names the question, a what-if chart's x axis carries its unit.
    lines = next(page for page in pages if "What if:" in page).splitlines()
    assert _question(rendered, "largest_job_nodes")["unit"] in lines
    assert "1,000" in lines
    summary = next(page for page in reader.pages if "Fit per option" in page.extract_text())
    content = summary.get_contents().get_data()
    # The bars are drawn as vector boxes, not pasted as a picture: no raster image on the
    # page, and Slurm's bar is a rectangle filled with its web colour from the catalog.
    xobjects = summary["/Resources"].get("/XObject", {})
    assert all(xobjects[name].get_object()["/Subtype"] != "/Image" for name in xobjects)
    assert content.count(b" re\n") >= 5
    assert rendered["colour"] == "#0072b2"
    assert _pdf_fill(rendered["colour"]) in content


def test_it_lists_the_answers_the_matrix_rows_and_the_booking_link(rendered):
    _, pages = _read(rendered["full"])

    text = " ".join(" ".join(pages).split())
    interconnect = _question(rendered, "interconnect")
    assert interconnect["text"] in text
    assert interconnect["choices"][0]["label"] in text  # the answer: InfiniBand or Slingshot
    assert "20,000 jobs/day" in text
    assert rendered["result"]["unknown"] == ["multi_site"]
    assert "Don't know" in text
    assert "Matrix rows that mattered" in text
    assert rendered["matrix_rows"]
    for name in rendered["matrix_rows"]:
        assert name in text
    assert "https://advisor.example/booking/" in text


def test_it_lists_each_technology_s_rating_under_a_matrix_row_on_portrait_pages(rendered):
    reader, pages = _read(rendered["full"])

    assert all(page.mediabox.width < page.mediabox.height for page in reader.pages)
    text = " ".join(" ".join(pages).split())
    matrix = text[text.index("Matrix rows that mattered") :]
    first_row = matrix[matrix.index(rendered["matrix_rows"][0]) :]
    for technology, rating in rendered["matrix_first_row"]:
        assert f"{technology} · {rating}" in first_row


def test_it_names_the_answers_that_would_change_the_recommendation(rendered):
    _, pages = _read(rendered["full"])

    text = " ".join(" ".join(pages).split())
    sensitivity = rendered["result"]["sensitivity"]
    assert [item["question"] for item in sensitivity] == ["workload_mix", "operators"]
    for item in sensitivity:
        assert " ".join(item["question_text"].split()) in text


def test_it_names_the_risks_the_engine_found(rendered):
    _, pages = _read(rendered["full"])

    text = " ".join(" ".join(pages).split())
    risks = rendered["result"]["risks"]
    assert [risk["title"] for risk in risks] == ["Long-running inference on a batch scheduler"]
    for risk in risks:
        assert risk["title"] in text
        assert " ".join(risk["improvement"].split()) in text


def test_it_leaves_the_contact_out_of_the_shared_variant(rendered):
    _, pages = _read(rendered["shared"])

    text = "\n".join(pages)
    assert "Slurm" in text
    assert "Analytical Engines" not in text
    assert "Ada Lovelace" not in text
    assert "Head of HPC" not in text
