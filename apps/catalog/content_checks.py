"""Checks that the knowledge base means what it says, for ``manage.py check_content`` and the admin.

Each check reads rows and returns findings; nothing here changes a row. The FAQ's claims are
checked by ``apps.faq.content_checks``, which sits above this app and runs these checks too.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import (
    NOT_ASSESSED_LABEL,
    MatrixCell,
    Rating,
    RatingClaim,
    ScenarioClaim,
    Source,
    Technology,
    normalise_url_prefix,
    url_is_under,
)

# A cell whose short text or detail opens by saying it was not assessed (or measured) speaks
# of itself as a whole; "the request syntax was not assessed" later in a text qualifies a part.
NOT_ASSESSED_TEXT = re.compile(
    r"\A\W*(?:not\s+(?:yet\s+)?(?:been\s+)?(?:assessed|measured)|unassessed|unmeasured)\b",
    re.IGNORECASE,
)
VALID_URL = URLValidator(schemes=["http", "https"])
CellKey = tuple[int, int]
Claim = TypeVar("Claim", bound=RatingClaim)


class Kind(StrEnum):
    """What is wrong; the codes are printed and stable."""

    RATING_OFF_SCALE = "rating-off-scale"
    RATED_WITHOUT_SOURCE = "rated-without-source"
    RATED_BUT_NOT_ASSESSED = "rated-but-not-assessed"
    MALFORMED_URL = "malformed-url"
    OTHER_PRODUCTS_PAGE = "other-products-page"
    CLAIM_WITHOUT_CELL = "claim-without-cell"
    CONTRADICTS_CELL = "contradicts-cell"


@dataclass(frozen=True)
class Finding:
    """One defect: its kind, the object it was found on, and where an editor fixes it."""

    kind: Kind
    subject: str
    message: str
    admin_url: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.subject}: {self.message} ({self.admin_url})"


def admin_change_url(obj: Model) -> str:
    """The admin page that edits ``obj``."""
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def cell_key(cell: MatrixCell) -> str:
    return f"{cell.technology.slug}/{cell.feature.slug}"


def rating_name(rating: int | None) -> str:
    if rating is None:
        return str(NOT_ASSESSED_LABEL)
    return str(Rating(rating).label) if rating in Rating.values else str(rating)


# --- Loading ----------------------------------------------------------------------------------


def matrix_cells() -> list[MatrixCell]:
    """Every cell with its feature, technology and sources, in matrix order (two queries)."""
    return list(
        MatrixCell.objects.select_related("feature", "technology")
        .prefetch_related("sources")
        .order_by(
            "feature__category__order", "feature__order", "feature__slug", "technology__order"
        )
    )


def cells_by_key(cells: Iterable[MatrixCell]) -> dict[CellKey, MatrixCell]:
    """Cells by (feature id, technology id)."""
    return {(cell.feature_id, cell.technology_id): cell for cell in cells}


# --- Cells ------------------------------------------------------------------------------------


def check_cell(cell: MatrixCell) -> list[Finding]:
    """A rating off the scale, a rating without a source, a rating on a text that disowns it."""
    if cell.rating is None:
        return []
    subject = _("cell %(key)s") % {"key": cell_key(cell)}
    url = admin_change_url(cell)
    findings = []
    if cell.rating not in Rating.values:
        message = _("rating %(rating)s is not on the scale (%(scale)s)") % {
            "rating": cell.rating,
            "scale": ", ".join(
                f"{value} {label}" for value, label in Rating.choices if value is not None
            ),
        }
        findings.append(Finding(Kind.RATING_OFF_SCALE, subject, message, url))
    if not cell.sources.all():
        message = _("rated %(rating)s but cites no source") % {"rating": rating_name(cell.rating)}
        findings.append(Finding(Kind.RATED_WITHOUT_SOURCE, subject, message, url))
    for text in (cell.summary, cell.detail):
        if match := NOT_ASSESSED_TEXT.search(text):
            message = _("its text says “%(words)s” but it is rated %(rating)s") % {
                "words": match.group(0).strip(),
                "rating": rating_name(cell.rating),
            }
            findings.append(Finding(Kind.RATED_BUT_NOT_ASSESSED, subject, message, url))
            break
    return findings


# --- Sources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentationMap:
    """Which technologies' own documentation each URL prefix belongs to."""

    prefixes: Mapping[str, frozenset[int]]
    names: Mapping[int, str]
    # Hybrids and bridges list their parts' documentation as their own too.
    composites: frozenset[int] = frozenset()

    @classmethod
    def from_technologies(cls, technologies: Iterable[Technology]) -> "DocumentationMap":
        prefixes: dict[str, set[int]] = {}
        names = {}
        composites = set()
        for technology in technologies:
            names[technology.pk] = technology.name
            if technology.kind in {Technology.Kind.HYBRID, Technology.Kind.BRIDGE}:
                composites.add(technology.pk)
            for prefix in technology.documentation_prefixes():
                prefixes.setdefault(prefix, set()).add(technology.pk)
        return cls(
            {prefix: frozenset(ids) for prefix, ids in prefixes.items()},
            names,
            frozenset(composites),
        )

    def owners(self, url: str) -> frozenset[int]:
        """The technologies whose most specific documentation prefix holds ``url``."""
        page = normalise_url_prefix(url)
        matching = [prefix for prefix in self.prefixes if url_is_under(page, prefix)]
        if not matching:
            return frozenset()
        longest = max(len(prefix.rstrip("/")) for prefix in matching)
        return frozenset().union(
            *(self.prefixes[prefix] for prefix in matching if len(prefix.rstrip("/")) == longest)
        )

    def owner_names(self, owners: frozenset[int]) -> str:
        """The owners' names, the products themselves first: a composite only if alone."""
        named = (owners - self.composites) or owners
        return " / ".join(sorted(self.names[owner] for owner in named))

    def has_own(self, technology_id: int) -> bool:
        return any(technology_id in ids for ids in self.prefixes.values())


def is_malformed(url: str) -> bool:
    """Not an absolute http(s) URL with a host, or with spaces or other characters a link breaks on."""
    try:
        VALID_URL(url)
    except ValidationError:
        return True
    return url != url.strip()


def check_source(source: Source, cell: MatrixCell, docs: DocumentationMap) -> list[Finding]:
    """A malformed URL, or a page of another technology's documentation where it has its own."""
    subject = _("source “%(title)s” of cell %(key)s") % {
        "title": source.title,
        "key": cell_key(cell),
    }
    url = admin_change_url(cell)
    if is_malformed(source.url):
        message = _("“%(url)s” is not a well-formed http(s) URL") % {"url": source.url}
        return [Finding(Kind.MALFORMED_URL, subject, message, url)]
    if source.about_other_product:
        return []
    owners = docs.owners(source.url)
    if not owners or cell.technology_id in owners or not docs.has_own(cell.technology_id):
        return []
    message = _(
        "%(url)s is %(owners)s documentation, cited for a claim about %(technology)s, "
        "which has documentation of its own: cite its specific page (or, if the cell cites "
        "it for what it says about %(owners)s, tick “about another product, on purpose”)"
    ) % {
        "url": source.url,
        "owners": docs.owner_names(owners),
        "technology": cell.technology.name,
    }
    return [Finding(Kind.OTHER_PRODUCTS_PAGE, subject, message, url)]


# --- Claims of scenarios (and FAQs) -----------------------------------------------------------


def check_claims(
    claims: Iterable[Claim],
    cells: Mapping[CellKey, MatrixCell],
    *,
    owner: Callable[[Claim], Model],
) -> list[Finding]:
    """Claims whose stated rating is off the scale, has no cell, or differs from the cell's.

    ``owner`` gives the text a claim belongs to (its scenario or FAQ), named in the finding.
    A claim that states no rating only marks the feature the text speaks of: nothing to compare.
    """
    findings = []
    for claim in claims:
        if claim.rating is None:
            continue
        text = owner(claim)
        subject = _("%(model)s “%(text)s” on %(technology)s/%(feature)s") % {
            "model": text._meta.verbose_name,
            "text": text,
            "technology": claim.technology.slug,
            "feature": claim.feature.slug,
        }
        url = admin_change_url(text)
        cell = cells.get((claim.feature_id, claim.technology_id))
        if claim.rating not in Rating.values:
            message = _("states rating %(rating)s, which is not on the scale") % {
                "rating": claim.rating
            }
            findings.append(Finding(Kind.RATING_OFF_SCALE, subject, message, url))
        elif cell is None:
            message = _("states %(rating)s, but the matrix has no such cell") % {
                "rating": rating_name(claim.rating)
            }
            findings.append(Finding(Kind.CLAIM_WITHOUT_CELL, subject, message, url))
        elif cell.rating != claim.rating:
            message = _("states %(claimed)s, but the cell says %(rating)s (%(cell_url)s)") % {
                "claimed": rating_name(claim.rating),
                "rating": rating_name(cell.rating),
                "cell_url": admin_change_url(cell),
            }
            findings.append(Finding(Kind.CONTRADICTS_CELL, subject, message, url))
    return findings


def scenario_claims() -> list[ScenarioClaim]:
    """Every scenario's claims with what the findings name (one query)."""
    return list(
        ScenarioClaim.objects.select_related("scenario", "feature", "technology").order_by(
            "scenario__technology__order", "scenario__order", "scenario_id", "feature__slug"
        )
    )


def check_catalog(cells: Sequence[MatrixCell] | None = None) -> list[Finding]:
    """Every finding on the matrix, its sources and the scenarios' claims, in matrix order."""
    cells = matrix_cells() if cells is None else cells
    docs = DocumentationMap.from_technologies(Technology.objects.all())
    findings = []
    for cell in cells:
        findings += check_cell(cell)
        for source in cell.sources.all():
            findings += check_source(source, cell, docs)
    return findings + check_scenarios(cells_by_key(cells))


def check_scenarios(cells: Mapping[CellKey, MatrixCell]) -> list[Finding]:
    """Scenarios that state a rating the matrix contradicts."""
    return check_claims(scenario_claims(), cells, owner=lambda claim: claim.scenario)


# --- One object, for its admin page -----------------------------------------------------------


def findings_for_cell(cell: MatrixCell) -> list[Finding]:
    """What the content check finds on one cell and its sources."""
    docs = DocumentationMap.from_technologies(Technology.objects.all())
    sources = cell.sources.all()
    return check_cell(cell) + [f for source in sources for f in check_source(source, cell, docs)]


def findings_for_claims(
    claims: Sequence[Claim], *, owner: Callable[[Claim], Model]
) -> list[Finding]:
    """What the content check finds on one text's claims, reading only the cells they name."""
    cells = MatrixCell.objects.filter(
        feature_id__in={claim.feature_id for claim in claims},
        technology_id__in={claim.technology_id for claim in claims},
    ).select_related("feature", "technology")
    return check_claims(claims, cells_by_key(cells), owner=owner)
