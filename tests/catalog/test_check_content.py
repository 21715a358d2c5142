"""manage.py check_content: every kind of defect on real rows, a clean catalogue, exit codes."""

import contextlib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, ManagementUtility, call_command
from django.urls import reverse

from apps.catalog.content_checks import Finding, Kind, check_catalog
from apps.catalog.models import MatrixCell, Rating, ScenarioClaim, Source
from apps.faq.content_checks import check_content
from apps.faq.models import FaqClaim
from tests.faq.factories import FaqFactory
from tests.reports.factories import make_catalog

from .factories import (
    FeatureFactory,
    MatrixCellFactory,
    ScenarioFactory,
    SourceFactory,
    TechnologyFactory,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SHIPPED = ["010_catalog.json", "020_matrix.json", "030_faq.json", "035_claims.json"]
FLUX_GUIDE = "https://flux-framework.readthedocs.io/projects/flux-core/en/stable/guide/admin.html"


@pytest.fixture
def clean():
    """A small catalogue with nothing wrong: every rated cell sourced on its own docs."""
    slurm = TechnologyFactory(
        slug="slurm",
        name="Slurm",
        homepage="https://slurm.schedmd.com/",
        documentation_urls="https://github.com/SchedMD/",
    )
    flux = TechnologyFactory(
        slug="flux",
        name="Flux",
        homepage="https://flux-framework.org/",
        documentation_urls="https://flux-framework.readthedocs.io/",
    )
    hybrid = TechnologyFactory(
        slug="hybrid",
        name="Hybrid",
        homepage="",
        documentation_urls="https://slurm.schedmd.com/\nhttps://kubernetes.io/",
    )
    backfill = FeatureFactory(slug="backfill", name="Backfill")
    cells = {
        "slurm": MatrixCellFactory(feature=backfill, technology=slurm, rating=Rating.NATIVE),
        "flux": MatrixCellFactory(
            feature=backfill,
            technology=flux,
            rating=None,
            summary="Not assessed: no source we could check states it.",
        ),
        "hybrid": MatrixCellFactory(feature=backfill, technology=hybrid, rating=Rating.STRONG),
    }
    SourceFactory(cell=cells["slurm"], url="https://slurm.schedmd.com/sched_config.html")
    # A hybrid cell may cite Slurm's documentation: it lists it as its own.
    SourceFactory(cell=cells["hybrid"], url="https://slurm.schedmd.com/sched_config.html")
    # Pages no technology owns (papers, news) are nobody's documentation.
    SourceFactory(cell=cells["hybrid"], url="https://arxiv.org/abs/2506.02709")
    scenario = ScenarioFactory(technology=slurm, title="Busy machines")
    ScenarioClaim.objects.create(
        scenario=scenario, feature=backfill, technology=slurm, rating=Rating.NATIVE
    )
    # A mark without a stated rating compares nothing, even on a cell not assessed.
    ScenarioClaim.objects.create(scenario=scenario, feature=backfill, technology=flux)
    faq = FaqFactory(question="Does Slurm backfill?", slug="backfill")
    FaqClaim.objects.create(faq=faq, feature=backfill, technology=slurm, rating=Rating.NATIVE)
    return {"cells": cells, "scenario": scenario, "faq": faq, "feature": backfill}


def _run(*argv: str) -> tuple[int, str, str]:
    """The command as `manage.py` runs it: exit status, standard output and error."""
    out, err = StringIO(), StringIO()
    utility = ManagementUtility(["manage.py", "check_content", *argv])
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            utility.execute()
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _new_findings(before: list[Finding]) -> set[Finding]:
    return set(check_content()) - set(before)


# --- A clean catalogue -------------------------------------------------------------------------


def test_it_finds_nothing_in_a_clean_catalogue(clean):
    assert check_content() == []


def test_it_exits_0_and_says_so_when_clean(clean):
    status, out, err = _run()

    assert status == 0
    assert "0 findings" in out
    assert err == ""


def test_it_prints_one_line_per_finding_and_the_count_and_exits_1(clean):
    # given two defects
    cells = clean["cells"]
    cells["slurm"].sources.all().delete()
    MatrixCell.objects.filter(pk=cells["hybrid"].pk).update(rating=9)
    findings = check_content()
    # when
    status, out, err = _run()
    # then
    assert status == 1
    assert out.splitlines() == [str(finding) for finding in findings]
    assert "2 findings in the content" in err
    assert {(finding.kind, finding.subject) for finding in findings} == {
        (Kind.RATED_WITHOUT_SOURCE, "cell slurm/backfill"),
        (Kind.RATING_OFF_SCALE, "cell hybrid/backfill"),
    }


def test_call_command_raises_with_status_1(clean):
    clean["cells"]["slurm"].sources.all().delete()

    with pytest.raises(CommandError, match="1 finding in the content") as raised:
        call_command("check_content", stdout=StringIO())

    assert raised.value.returncode == 1


# --- Each kind of defect ------------------------------------------------------------------------


def test_it_reports_a_rated_cell_without_a_source(clean):
    cell = clean["cells"]["slurm"]
    cell.sources.all().delete()

    [finding] = check_content()

    assert finding.kind == Kind.RATED_WITHOUT_SOURCE
    assert finding.subject == "cell slurm/backfill"
    assert finding.admin_url == reverse("admin:catalog_matrixcell_change", args=[cell.pk])
    assert "rated Native" in finding.message


def test_a_cell_not_assessed_needs_no_source(clean):
    assert not clean["cells"]["flux"].sources.exists()
    assert check_content() == []


@pytest.mark.parametrize(
    ("summary", "detail"),
    [
        ("Not assessed: preemption could not be verified.", ""),
        ("not yet assessed", ""),
        ("Not measured directly; expect results close to bare metal.", ""),
        ("Close to bare metal.", "Not assessed for the operators, so rated conservatively."),
    ],
)
def test_it_reports_a_rating_on_a_text_that_says_not_assessed(clean, summary, detail):
    cell = clean["cells"]["flux"]
    SourceFactory(cell=cell, url="https://flux-framework.org/")
    MatrixCell.objects.filter(pk=cell.pk).update(rating=Rating.WEAK, summary=summary, detail=detail)

    [finding] = check_content()

    assert finding.kind == Kind.RATED_BUT_NOT_ASSESSED
    assert finding.subject == "cell flux/backfill"
    assert "rated Weak" in finding.message


def test_a_text_that_leaves_only_a_part_unassessed_may_carry_a_rating(clean):
    cell = clean["cells"]["slurm"]
    cell.summary = "GPUs are in the resource graph; the request syntax was not assessed."
    cell.save(update_fields=["summary"])

    assert check_content() == []


@pytest.mark.parametrize(
    "url",
    [
        "slurm.schedmd.com/qos.html",  # no scheme
        "htps://slurm.schedmd.com/qos.html",
        "https://",
        "https://slurm.schedmd.com/qos page.html",
        "ftp://slurm.schedmd.com/qos.html",
        " https://slurm.schedmd.com/qos.html",
    ],
)
def test_it_reports_a_malformed_source_url(clean, url):
    cell = clean["cells"]["slurm"]
    # Written as an import or a script would write it: model validation never ran.
    Source.objects.filter(cell=cell).update(url=url)

    [finding] = check_content()

    assert finding.kind == Kind.MALFORMED_URL
    assert finding.subject.endswith("of cell slurm/backfill")
    assert url in finding.message


def test_it_reports_a_page_of_another_products_documentation(clean):
    cell = clean["cells"]["slurm"]
    SourceFactory(cell=cell, title="Flux admin guide", url=FLUX_GUIDE)

    [finding] = check_content()

    assert finding.kind == Kind.OTHER_PRODUCTS_PAGE
    assert finding.subject == "source “Flux admin guide” of cell slurm/backfill"
    assert "is Flux documentation" in finding.message
    assert finding.admin_url == reverse("admin:catalog_matrixcell_change", args=[cell.pk])


def test_a_page_cited_on_purpose_for_what_it_says_about_another_product_is_accepted(clean):
    # "Most MLOps tools target Kubernetes first" is rightly sourced on Kubernetes' pages.
    SourceFactory(cell=clean["cells"]["slurm"], url=FLUX_GUIDE, about_other_product=True)

    assert check_content() == []


def test_the_most_specific_documentation_prefix_decides_whose_page_it_is(clean):
    # Slinky's page sits on Slurm's site but belongs to Slurm on Kubernetes.
    TechnologyFactory(
        slug="slurm-on-kubernetes",
        name="Slurm on Kubernetes",
        homepage="https://slurm.schedmd.com/slinky.html",
        documentation_urls="https://github.com/SlinkyProject/\nhttps://slurm.schedmd.com/",
    )
    slurm_cell = clean["cells"]["slurm"]
    SourceFactory(cell=slurm_cell, title="Slinky", url="https://SLURM.schedmd.com/slinky.html#x")
    SourceFactory(cell=slurm_cell, title="Slinky code", url="https://github.com/slinkyproject/a")

    findings = check_content()

    assert {(f.kind, f.subject) for f in findings} == {
        (Kind.OTHER_PRODUCTS_PAGE, "source “Slinky” of cell slurm/backfill"),
        (Kind.OTHER_PRODUCTS_PAGE, "source “Slinky code” of cell slurm/backfill"),
    }


def test_a_technology_without_documentation_of_its_own_may_cite_others(clean):
    bare = TechnologyFactory(slug="bare", name="Bare", homepage="", documentation_urls="")
    cell = MatrixCellFactory(feature=clean["feature"], technology=bare, rating=Rating.WEAK)
    SourceFactory(cell=cell, url=FLUX_GUIDE)

    assert check_content() == []


def test_a_prefix_matches_whole_path_segments_only(clean):
    # github.com/SchedMD/ is Slurm's; github.com/SchedMDx is not.
    SourceFactory(cell=clean["cells"]["flux"], url="https://github.com/SchedMDx/tool")
    MatrixCell.objects.filter(pk=clean["cells"]["flux"].pk).update(
        rating=Rating.WEAK, summary="Possible with effort."
    )

    assert check_content() == []


def test_it_reports_a_cell_rating_off_the_scale(clean):
    cell = clean["cells"]["hybrid"]
    MatrixCell.objects.filter(pk=cell.pk).update(rating=7)

    [finding] = check_content()

    assert finding.kind == Kind.RATING_OFF_SCALE
    assert finding.subject == "cell hybrid/backfill"
    assert "rating 7 is not on the scale" in finding.message
    assert "0 Unsupported" in finding.message


def test_it_reports_a_claimed_rating_off_the_scale(clean):
    ScenarioClaim.objects.filter(scenario=clean["scenario"], rating__isnull=False).update(rating=5)

    [finding] = check_content()

    assert finding.kind == Kind.RATING_OFF_SCALE
    assert finding.subject == "scenario “Busy machines” on slurm/backfill"


def test_it_reports_a_scenario_that_contradicts_its_cell(clean):
    claim = ScenarioClaim.objects.get(scenario=clean["scenario"], technology__slug="slurm")
    claim.rating = Rating.WEAK
    claim.save(update_fields=["rating"])

    [finding] = check_content()

    assert finding.kind == Kind.CONTRADICTS_CELL
    assert finding.subject == "scenario “Busy machines” on slurm/backfill"
    assert "states Weak, but the cell says Native" in finding.message
    assert finding.admin_url == reverse(
        "admin:catalog_scenario_change", args=[clean["scenario"].pk]
    )


def test_it_reports_an_faq_that_contradicts_its_cell(clean):
    FaqClaim.objects.filter(faq=clean["faq"]).update(rating=Rating.UNSUPPORTED)

    [finding] = check_content()

    assert finding.kind == Kind.CONTRADICTS_CELL
    assert finding.subject == "FAQ “Does Slurm backfill?” on slurm/backfill"
    assert "states Unsupported, but the cell says Native" in finding.message
    assert finding.admin_url == reverse("admin:faq_faq_change", args=[clean["faq"].pk])


def test_a_rating_stated_for_a_cell_not_assessed_contradicts_it(clean):
    ScenarioClaim.objects.filter(scenario=clean["scenario"], technology__slug="flux").update(
        rating=Rating.STRONG
    )

    [finding] = check_content()

    assert finding.kind == Kind.CONTRADICTS_CELL
    assert "states Strong, but the cell says Not assessed" in finding.message


def test_it_reports_a_rating_stated_for_a_cell_the_matrix_lacks(clean):
    other = FeatureFactory(slug="reservations", name="Reservations")
    FaqClaim.objects.create(
        faq=clean["faq"], feature=other, technology=clean["cells"]["slurm"].technology, rating=4
    )

    [finding] = check_content()

    assert finding.kind == Kind.CLAIM_WITHOUT_CELL
    assert finding.subject == "FAQ “Does Slurm backfill?” on slurm/reservations"


# --- Real rows: the fixtures' catalogue with one defect made at a time -----------------------


@pytest.fixture
def real():
    """The real catalogue and matrix, and what the check finds in it before a test's change."""
    make_catalog()
    return check_catalog()


def _real_cell(feature: str, technology: str) -> MatrixCell:
    return MatrixCell.objects.get(feature__slug=feature, technology__slug=technology)


def test_it_checks_the_real_matrix_in_a_fixed_number_of_queries(real, django_assert_num_queries):
    # cells, their sources, technologies, scenario claims, FAQ claims
    with django_assert_num_queries(5):
        check_content()


def test_real_rated_cell_losing_its_sources_is_reported(real):
    cell = _real_cell("backfill", "slurm")
    cell.sources.all().delete()

    assert {(f.kind, f.subject) for f in _new_findings(real)} == {
        (Kind.RATED_WITHOUT_SOURCE, "cell slurm/backfill")
    }


def test_real_cell_rated_although_it_says_not_assessed_is_reported(real):
    cell = _real_cell("reservations", "kubernetes")
    MatrixCell.objects.filter(pk=cell.pk).update(
        rating=Rating.WEAK, summary="Not assessed: no time-based reservation feature was verified."
    )
    if not cell.sources.exists():
        SourceFactory(cell=cell, url="https://kueue.sigs.k8s.io/docs/overview/")

    assert {(f.kind, f.subject) for f in _new_findings(real)} == {
        (Kind.RATED_BUT_NOT_ASSESSED, "cell kubernetes/reservations")
    }


def test_real_cell_citing_another_products_page_is_reported(real):
    cell = _real_cell("backfill", "slurm")
    SourceFactory(cell=cell, title="Kueue workloads", url="https://kueue.sigs.k8s.io/docs/x/")
    SourceFactory(cell=cell, title="Broken", url="https//slurm.schedmd.com/x.html")

    found = _new_findings(real)

    assert {(f.kind, f.subject) for f in found} == {
        (Kind.OTHER_PRODUCTS_PAGE, "source “Kueue workloads” of cell slurm/backfill"),
        (Kind.MALFORMED_URL, "source “Broken” of cell slurm/backfill"),
    }
    # The hybrid lists Kubernetes' documentation too, but the page is Kubernetes'.
    [foreign] = [f for f in found if f.kind == Kind.OTHER_PRODUCTS_PAGE]
    assert "is Kubernetes documentation" in foreign.message


def test_real_cell_off_the_scale_is_reported(real):
    MatrixCell.objects.filter(pk=_real_cell("backfill", "slurm").pk).update(rating=12)

    assert {(f.kind, f.subject) for f in _new_findings(real)} == {
        (Kind.RATING_OFF_SCALE, "cell slurm/backfill")
    }


def test_real_scenario_and_faq_contradicting_a_real_cell_are_reported(real):
    cell = _real_cell("backfill", "slurm")
    wrong = Rating.UNSUPPORTED if cell.rating != Rating.UNSUPPORTED else Rating.NATIVE
    scenario = cell.technology.scenarios.first()
    ScenarioClaim.objects.create(
        scenario=scenario, feature=cell.feature, technology=cell.technology, rating=wrong
    )
    faq = FaqFactory(question="Backfill?", slug="backfill-question")
    FaqClaim.objects.create(faq=faq, feature=cell.feature, technology=cell.technology, rating=wrong)

    assert {(f.kind, f.subject) for f in _new_findings(real)} == {
        (Kind.CONTRADICTS_CELL, f"scenario “{scenario}” on slurm/backfill"),
        (Kind.CONTRADICTS_CELL, "FAQ “Backfill?” on slurm/backfill"),
    }


# --- The shipped content ------------------------------------------------------------------------


def test_the_shipped_content_passes_the_check():
    # given the content exactly as `manage.py seed` loads it
    call_command("loaddata", *(str(FIXTURES / name) for name in SHIPPED), verbosity=0)
    assert ScenarioClaim.objects.exclude(rating=None).exists()
    assert FaqClaim.objects.exclude(rating=None).exists()
    # when
    findings = check_content()
    # then nothing: every line below is a defect to fix in fixtures/ (or a claim to correct)
    assert [str(finding) for finding in findings] == []


# --- Admin: editors mark what a scenario or an answer says -----------------------------------


def _inline_post(prefix: str, rows: list[dict], **fields) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def test_editors_state_a_scenarios_claim_in_the_admin(client, editor, clean):
    # given
    scenario, feature = clean["scenario"], clean["feature"]
    hybrid = clean["cells"]["hybrid"].technology
    client.force_login(editor)
    url = reverse("admin:catalog_scenario_change", args=[scenario.pk])
    assert "claims-TOTAL_FORMS" in client.get(url).content.decode()
    ScenarioClaim.objects.filter(scenario=scenario).delete()
    # when
    response = client.post(
        url,
        _inline_post(
            "claims",
            [{"feature": feature.pk, "technology": hybrid.pk, "rating": Rating.WEAK}],
            technology=scenario.technology_id,
            title=scenario.title,
            condition=scenario.condition,
            explanation=scenario.explanation,
            order=0,
        ),
    )
    # then
    assert response.status_code == 302
    claim = ScenarioClaim.objects.get(scenario=scenario)
    assert (claim.technology, claim.rating) == (hybrid, Rating.WEAK)
    [finding] = check_content()
    assert finding.kind == Kind.CONTRADICTS_CELL


def test_editors_state_an_faqs_claim_in_the_admin(client, editor, clean):
    faq, feature = clean["faq"], clean["feature"]
    slurm = clean["cells"]["slurm"].technology
    FaqClaim.objects.filter(faq=faq).delete()
    client.force_login(editor)

    response = client.post(
        reverse("admin:faq_faq_change", args=[faq.pk]),
        _inline_post(
            "claims",
            [{"feature": feature.pk, "technology": slurm.pk, "rating": ""}],
            category=faq.category_id,
            question=faq.question,
            slug=faq.slug,
            answer=faq.answer,
            order=0,
            published="on",
        ),
    )

    assert response.status_code == 302
    assert FaqClaim.objects.get(faq=faq).rating is None


def test_editors_record_a_technologys_documentation_urls(client, editor, clean):
    client.force_login(editor)
    slurm = clean["cells"]["slurm"].technology

    page = client.get(reverse("admin:catalog_technology_change", args=[slurm.pk]))

    assert 'name="documentation_urls"' in page.content.decode()


def test_a_cells_admin_page_shows_what_the_check_finds_on_it(client, editor, clean):
    cell = clean["cells"]["slurm"]
    url = reverse("admin:catalog_matrixcell_change", args=[cell.pk])
    client.force_login(editor)
    assert "Nothing found" in client.get(url).content.decode()

    SourceFactory(cell=cell, title="Flux admin guide", url=FLUX_GUIDE)

    assert "is Flux documentation" in client.get(url).content.decode()


@pytest.mark.parametrize("text", ["scenario", "faq"])
def test_a_scenarios_or_faqs_admin_page_shows_its_contradictions(client, editor, clean, text):
    obj = clean[text]
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    client.force_login(editor)
    assert "Nothing found" in client.get(url).content.decode()

    MatrixCell.objects.filter(pk=clean["cells"]["slurm"].pk).update(rating=Rating.STRONG)

    assert "states Native, but the cell says Strong" in client.get(url).content.decode()
