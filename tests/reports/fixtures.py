"""Fixtures of scored assessments and their reports, shared with other test packages as a plugin."""

import pytest

from tests.reports.factories import make_assessment, make_catalog, make_scoring_model


@pytest.fixture
def catalog(db):
    """The real catalog and comparison matrix (fixtures 010 and 020); returns the options."""
    return make_catalog()


@pytest.fixture
def scoring_model(catalog):
    return make_scoring_model()


@pytest.fixture
def scored(scoring_model):
    """An assessment with the default answers, scored by the real pipeline, and its raw token."""
    return make_assessment(scoring_model=scoring_model)


# The smallest well-formed PDF: stands in for WeasyPrint where a test checks workflow only.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def fast_pdf(monkeypatch):
    """Skip WeasyPrint: the render stores a tiny PDF that says which variant it is."""
    from apps.reports import pdf as reports

    def render(assessment, *, show_contact: bool, **kwargs) -> bytes:
        return TINY_PDF + (b"%full\n" if show_contact else b"%shared\n")

    monkeypatch.setattr(reports, "render_pdf", render)
    return render


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Persona passwords are hashed per test; a million PBKDF2 rounds would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
