"""Team pages: create (from a result), join (by invitation), the owner's team page, a member's
page, leaving, removing, deleting, and the roadmap and PDF downloads.

Three kinds of private link open them: the owner's team token (``/team/<token>/``), the
invitation token (``/team/join/<invite>/``) and each member's own assessment token
(``/assessment/<token>/team/``). All are looked up by hash and rate limited like every
private page.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.assessments.models import Assessment
from apps.core.htmx import HtmxHttpRequest
from apps.core.ratelimit import posted, posted_email, rate_limit, token_page

from . import exports, forms, services
from .models import Team, TeamMember
from .results import member_status, team_members


def _get_team_for_token(token: str) -> Team:
    """The team the owner's private token opens; 404 for any other token."""
    return get_object_or_404(
        Team.objects.for_token(token).select_related("scoring_model", "owner_assessment")
    )


def _get_assessment_for_token(token: str) -> Assessment:
    """The assessment a private token opens; 404 for any other token."""
    return get_object_or_404(
        Assessment.objects.for_token(token)
        .select_related("scoring_model", "recommendation")
        .defer("scoring_model__snapshot")
    )


def _get_membership_for_token(token: str) -> TeamMember:
    """The team membership of the assessment a member's private token opens."""
    assessment = _get_assessment_for_token(token)
    member = (
        TeamMember.objects.select_related("team__scoring_model", "assessment")
        .filter(assessment=assessment)
        .first()
    )
    if member is None:
        raise Http404
    return member


# --- Create, from the owner's result ---


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("token-misses", rate="TOKEN_LOOKUP_RATE", misses_only=True)
@rate_limit("teams.create", rate="PUBLIC_FORM_RATE", only_if=posted)
def create(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The owner names the team and their own role; the team page opens with its links."""
    assessment = _get_assessment_for_token(token)
    if not assessment.is_scored():
        return redirect("reports:result", token=token)
    existing = TeamMember.objects.filter(assessment=assessment).first()
    form = forms.CreateTeamForm(
        request.POST if request.method == "POST" else None,
        initial={"owner_name": assessment.contact_name},
    )
    if existing is None and request.method == "POST" and form.is_valid():
        try:
            new = services.create_team(
                assessment=assessment,
                name=form.cleaned_data["name"],
                owner_name=form.cleaned_data["owner_name"],
                owner_role=form.cleaned_data["owner_role"],
            )
        except services.TeamError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Your team is ready. Keep the address of this page: it is the only way back."),
            )
            return redirect("teams:team", token=new.token)
    ctx = {"assessment": assessment, "token": token, "form": form, "existing": existing}
    return render(request, "teams/create.html", ctx, status=400 if form.errors else 200)


# --- The owner's team page ---


def _team_context(request: HtmxHttpRequest, team: Team, token: str) -> dict[str, Any]:
    members = team_members(team)
    snapshot = team.scoring_model.snapshot
    ctx = exports.result_context(team, members)
    ctx |= {
        "token": token,
        "team_url": services.team_url(token),
        "invite_url": services.invite_url(token),
        "invite_form": forms.InviteForm(),
        "sections_form": forms.SectionRolesForm(
            sections=[s["title"] for s in snapshot.get("sections", [])],
            initial_roles=team.section_roles or {},
        ),
        "show_contact": True,
        "roadmap_csv_url": reverse("teams:roadmap_csv", kwargs={"token": token}),
        "roadmap_md_url": reverse("teams:roadmap_md", kwargs={"token": token}),
        "pdf_url": reverse("teams:pdf", kwargs={"token": token}),
    }
    return ctx


@require_http_methods(["GET", "HEAD"])
@rate_limit("token-misses", rate="TOKEN_LOOKUP_RATE", misses_only=True)
def team(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Who has answered, the invitation, and the team's result with its disagreements first."""
    found = _get_team_for_token(token)
    return render(request, "teams/team.html", _team_context(request, found, token))


@token_page
@require_POST
@rate_limit("teams.invite", rate="PUBLIC_FORM_RATE")
# A mailbox is never flooded with invitations, whoever sends them.
@rate_limit("teams.invite-email", rate="PASSWORD_RESET_RATE", key=posted_email)
def invite(request: HtmxHttpRequest, token: str) -> HttpResponse:
    found = _get_team_for_token(token)
    form = forms.InviteForm(request.POST)
    if form.is_valid():
        services.email_invite(team=found, team_token=token, email=form.cleaned_data["email"])
        messages.success(
            request,
            _("The invitation is on its way to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
        return redirect("teams:team", token=token)
    ctx = _team_context(request, found, token) | {"invite_form": form}
    return render(request, "teams/team.html", ctx, status=400)


@token_page
@require_POST
def sections(request: HtmxHttpRequest, token: str) -> HttpResponse:
    found = _get_team_for_token(token)
    titles = [s["title"] for s in found.scoring_model.snapshot.get("sections", [])]
    form = forms.SectionRolesForm(request.POST, sections=titles, initial_roles={})
    if form.is_valid():
        services.set_section_roles(team=found, roles=form.roles())
        messages.success(request, _("The section owners are saved; the team result follows them."))
        return redirect("teams:team", token=token)
    ctx = _team_context(request, found, token) | {"sections_form": form}
    return render(request, "teams/team.html", ctx, status=400)


@token_page
@require_POST
def remove(request: HtmxHttpRequest, token: str, member_id: int) -> HttpResponse:
    found = _get_team_for_token(token)
    member = get_object_or_404(
        TeamMember.objects.select_related("assessment"), pk=member_id, team=found
    )
    if services.remove_member(member=member):
        messages.success(
            request,
            _("%(name)s and their answers are removed from the team.") % {"name": member.name},
        )
    else:
        messages.error(request, _("The owner cannot be removed; delete the team instead."))
    return redirect("teams:team", token=token)


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HtmxHttpRequest, token: str) -> HttpResponse:
    found = _get_team_for_token(token)
    form = forms.ConfirmForm(
        request.POST if request.method == "POST" else None,
        label=_(
            "I understand that the team and the answers its members gave for it are deleted for good."
        ),
    )
    if request.method == "POST" and form.is_valid():
        services.delete_team(team=found)
        messages.success(request, _("The team and its members' answers have been deleted."))
        return redirect("catalog:home")
    ctx = {"team": found, "token": token, "form": form}
    return render(request, "teams/delete.html", ctx, status=400 if form.errors else 200)


# --- Joining, and a member's own page ---


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("token-misses", rate="TOKEN_LOOKUP_RATE", misses_only=True)
@rate_limit("teams.join", rate="PUBLIC_FORM_RATE", only_if=posted)
def join(request: HtmxHttpRequest, invite: str) -> HttpResponse:
    """A colleague names themselves and their role, then answers from a blank questionnaire."""
    found = get_object_or_404(Team.objects.for_invite(invite).select_related("scoring_model"))
    form = forms.JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not form.is_spam():
        _member, token = services.join_team(
            team=found,
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            email=form.cleaned_data["email"],
        )
        return redirect("teams:member", token=token)
    ctx = {"team": found, "form": form, "owner": found.members.filter(is_owner=True).first()}
    return render(request, "teams/join.html", ctx, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD"])
@rate_limit("token-misses", rate="TOKEN_LOOKUP_RATE", misses_only=True)
def member(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A member's page: their link and progress; the team's result once they have submitted."""
    membership = _get_membership_for_token(token)
    assessment = membership.assessment
    ctx: dict[str, Any] = {
        "membership": membership,
        "team": membership.team,
        "token": token,
        "status": member_status(membership),
        "member_url": services.member_url(token),
        "continue_url": reverse(
            "assessments:step", kwargs={"token": token, "n": max(assessment.current_step, 1)}
        ),
        "show_contact": False,
    }
    if assessment.is_scored():
        ctx |= exports.result_context(membership.team, team_members(membership.team))
        ctx |= {
            "roadmap_csv_url": reverse("teams:member_roadmap_csv", kwargs={"token": token}),
            "roadmap_md_url": reverse("teams:member_roadmap_md", kwargs={"token": token}),
        }
    return render(request, "teams/member.html", ctx)


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def leave(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A member leaves the team; answers given only for it are deleted with them."""
    membership = _get_membership_for_token(token)
    form = forms.ConfirmForm(
        request.POST if request.method == "POST" else None,
        label=_(
            "I understand that I leave the team and that my answers for it are deleted for good."
        ),
    )
    if request.method == "POST" and form.is_valid() and not membership.is_owner:
        deleted = membership.only_for_team
        services.remove_member(member=membership)
        messages.success(request, _("You have left the team."))
        if deleted:
            return redirect("catalog:home")
        return redirect("reports:result", token=token)
    ctx = {"membership": membership, "team": membership.team, "token": token, "form": form}
    return render(request, "teams/leave.html", ctx, status=400 if form.errors else 200)


# --- Downloads ---


@token_page
@require_http_methods(["GET", "HEAD"])
def roadmap(request: HtmxHttpRequest, token: str, fmt: str) -> HttpResponse:
    """The team's roadmap as CSV or Markdown."""
    found = _get_team_for_token(token)
    return exports.roadmap_response(exports.team_roadmap(found), fmt=fmt, name=found.name)


@token_page
@require_http_methods(["GET", "HEAD"])
def member_roadmap(request: HtmxHttpRequest, token: str, fmt: str) -> HttpResponse:
    """The team's roadmap for a member, once they have submitted (404 before)."""
    membership = _get_membership_for_token(token)
    if not membership.assessment.is_scored():
        raise Http404
    found = membership.team
    return exports.roadmap_response(exports.team_roadmap(found), fmt=fmt, name=found.name)


@token_page
@require_http_methods(["GET", "HEAD"])
def assessment_roadmap(request: HtmxHttpRequest, token: str, fmt: str) -> HttpResponse:
    """One assessment's roadmap as CSV or Markdown (404 until it is scored)."""
    assessment = _get_assessment_for_token(token)
    found = exports.assessment_roadmap(assessment)
    if found is None:
        raise Http404
    return exports.roadmap_response(found, fmt=fmt, name="assessment")


@token_page
@require_http_methods(["GET", "HEAD"])
# Rendered on request: a tighter budget than other token pages.
@rate_limit("teams.pdf", rate="PUBLIC_FORM_RATE")
def pdf(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    """The team result as a PDF, rendered on request (tables only, a few pages)."""
    found = _get_team_for_token(token)
    return exports.pdf_response(found, show_contact=True)
