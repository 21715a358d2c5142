"""The whole knowledge base's content check: the catalog's checks plus the FAQ's claims.

It lives here because the FAQ sits above the catalog: this is the lowest app that sees both.
"""

from collections.abc import Mapping

from apps.catalog.content_checks import (
    CellKey,
    Finding,
    cells_by_key,
    check_catalog,
    check_claims,
    matrix_cells,
)
from apps.catalog.models import MatrixCell

from .models import FaqClaim


def faq_claims() -> list[FaqClaim]:
    """Every FAQ's claims with what the findings name (one query)."""
    return list(
        FaqClaim.objects.select_related("faq", "feature", "technology").order_by(
            "faq__category__order", "faq__order", "faq_id", "feature__slug", "technology__order"
        )
    )


def check_faqs(cells: Mapping[CellKey, MatrixCell]) -> list[Finding]:
    """FAQ answers that state a rating the matrix contradicts (published or not)."""
    return check_claims(faq_claims(), cells, owner=lambda claim: claim.faq)


def check_content() -> list[Finding]:
    """Every finding on the knowledge base: matrix cells, sources, scenarios, then FAQs."""
    cells = matrix_cells()
    return check_catalog(cells) + check_faqs(cells_by_key(cells))
