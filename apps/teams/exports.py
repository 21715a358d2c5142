"""What the team pages, the API and the dashboard hand out: page context, roadmaps, the PDF.

One place for each, so the owner's page, a member's page, the sales page and the API show
the same team result and the same roadmap.
"""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.assessments import services as assessments
from apps.assessments.models import Assessment

from .models import Team, TeamMember
from .results import TeamResult, team_members, team_result
from .roadmap import Roadmap, build_roadmap, to_csv, to_markdown

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "md": ("text/markdown; charset=utf-8", "md"),
}


def result_context(team: Team, members: list[TeamMember]) -> dict[str, Any]:
    """What ``teams/_result.html`` needs: the team result and its charts."""
    # Imported here: plotly costs every process that merely imports this module a second.
    from .charts import team_charts

    found = team_result(team, members)
    return {"team": team, "team_result": found, "charts": team_charts(found)}


def team_roadmap(team: Team, found: TeamResult | None = None) -> Roadmap:
    """The team's roadmap: its combined result's risks, open questions and next steps."""
    found = found or team_result(team, team_members(team))
    title = _("Roadmap for the team assessment “%(name)s”") % {"name": team.name}
    if found.result is None:
        return Roadmap(title=title, recommendation="", items=())
    return build_roadmap(
        title=title,
        result=found.result,
        snapshot=team.scoring_model.snapshot,
        disagreements=found.disagreements,
    )


def assessment_roadmap(assessment: Assessment) -> Roadmap | None:
    """One scored assessment's roadmap; None before it is scored."""
    if not assessment.is_scored() or not assessment.result:
        return None
    return build_roadmap(
        title=_("Roadmap for your orchestration assessment"),
        result=assessments.result_for(assessment),
        snapshot=assessments.snapshot_for(assessment),
    )


def roadmap_response(roadmap: Roadmap, *, fmt: str, name: str) -> HttpResponse:
    """The roadmap as a download: ``csv`` (with a byte-order mark for spreadsheets) or ``md``."""
    content_type, extension = FORMATS[fmt]
    body = "\ufeff" + to_csv(roadmap) if fmt == "csv" else to_markdown(roadmap)
    response = HttpResponse(body, content_type=content_type)
    filename = f"roadmap-{slugify(name) or 'team'}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def render_team_pdf(team: Team, *, show_contact: bool) -> bytes:
    """The team result as PDF bytes (WeasyPrint; tables, no charts, nothing fetched)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    members = team_members(team)
    found = team_result(team, members)
    ctx = {
        "team": team,
        "team_result": found,
        "roadmap": team_roadmap(team, found),
        "show_contact": show_contact,
        "site_url": settings.SITE_URL,
    }
    html = render_to_string("teams/team_pdf.html", ctx)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    return bytes(document.write_pdf())


def pdf_response(team: Team, *, show_contact: bool) -> HttpResponse:
    response = HttpResponse(
        render_team_pdf(team, show_contact=show_contact), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="team-{slugify(team.name) or team.pk}.pdf"'
    )
    return response
