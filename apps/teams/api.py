"""Team assessments over the API: create a team, join one with a submission, read its result,
and download roadmaps.

``POST /api/v1/assessments/`` is the assessments app's view, extended here with the optional
``team_invite`` and ``team_role``: this module's route for that path is listed before the
assessments app's, so the assessments app never needs to know about teams.
"""

from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.request import Request
from rest_framework.response import Response

from apps.assessments.api import (
    ACCEPTED_HEADERS,
    AssessmentSubmitView,
    ErrorOutput,
    SubmissionSerializer,
    SubmittedSerializer,
    TokenAPIView,
    accepted,
)
from apps.core.ratelimit import too_many_token_misses
from apps.core.validators import validate_single_line
from apps.questionnaire import services as questionnaire_services

from . import exports, services
from .models import Role, Team
from .results import TeamResult, team_members, team_result

MAX_INVITE_LENGTH = 100
MEMBER_STATUSES = ["answering", "scoring", "answered", "failed"]
TEAM_STATUSES = ["answering", "complete"]


# --- Joining a team with a submission ---


class TeamSubmissionSerializer(SubmissionSerializer):
    team_invite = serializers.CharField(
        required=False,
        max_length=MAX_INVITE_LENGTH,
        help_text="The token at the end of a team's `invite_url`: the submission joins that "
        "team as a member named by `contact.name` (required then).",
    )
    team_role = serializers.ChoiceField(
        choices=Role.choices,
        required=False,
        default=Role.OTHER,
        help_text="The member's role in the team (with `team_invite`).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        invite = attrs.get("team_invite")
        if invite is None:
            return attrs
        team = Team.objects.for_invite(invite).select_related("scoring_model").first()
        if team is None:
            raise serializers.ValidationError({"team_invite": [_("No team has this invitation.")]})
        if not (attrs.get("contact") or {}).get("name", "").strip():
            raise serializers.ValidationError(
                {"contact": {"name": [_("A team member needs a name: contact.name.")]}}
            )
        attrs["team"] = team
        return attrs


class TeamAwareSubmitView(AssessmentSubmitView):
    """Submit answers; scoring runs in the background. With ``team_invite``, join that team."""

    @extend_schema(
        operation_id="assessments_submit",
        request=TeamSubmissionSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="As for any submission: a retried POST with the same key and body "
                "creates no second assessment (and joins the team once).",
            ),
            *ACCEPTED_HEADERS,
        ],
        responses={
            202: SubmittedSerializer,
            400: OpenApiResponse(
                description='Invalid input, e.g. {"answers": {"<key>": ["message"]}} or '
                '{"team_invite": ["…"]}.'
            ),
            409: OpenApiResponse(ErrorOutput, description="The same key is being processed."),
            410: OpenApiResponse(
                ErrorOutput, description="The assessment created under this key was deleted."
            ),
            422: OpenApiResponse(ErrorOutput, description="The key was used with another body."),
            429: OpenApiResponse(ErrorOutput, description="Throttled (scope `submit`)."),
            503: OpenApiResponse(ErrorOutput, description="No questionnaire is published yet."),
        },
        examples=[
            OpenApiExample(
                "Joining a team",
                request_only=True,
                value={
                    "answers": {"workload_mix": "mpi", "largest_job_nodes": 128},
                    "contact": {"name": "Grace", "email": "grace@example.org"},
                    "team_invite": "<the token at the end of invite_url>",
                    "team_role": "hpc_admin",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def _submit(self, request: Request) -> Response:
        if not isinstance(request.data, dict) or "team_invite" not in request.data:
            return super()._submit(request)
        model = questionnaire_services.latest_model()
        if model is None:
            return Response(
                {"detail": _("No questionnaire has been published yet; try again later.")},
                status=503,
            )
        invite = request.data.get("team_invite")
        team = (
            Team.objects.for_invite(invite).select_related("scoring_model").first()
            if isinstance(invite, str)
            else None
        )
        compiled = questionnaire_services.compiled_model(team.scoring_model if team else model)
        serializer = TeamSubmissionSerializer(data=request.data, context={"model": compiled})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assessment, token = services.join_with_answers(
            team=data["team"],
            role=data["team_role"],
            answers=data["answers"],
            contact=dict(data.get("contact") or {}),
            consent=data["consent"],
            validated=True,
        )
        return accepted(request, assessment, token)


# --- Teams ---


class TeamInput(serializers.Serializer):
    assessment = serializers.CharField(
        max_length=MAX_INVITE_LENGTH, help_text="The owner's private assessment token (scored)."
    )
    name = serializers.CharField(max_length=120, validators=[validate_single_line])
    owner_name = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_single_line],
        help_text="How members see the owner; default: the assessment's contact name.",
    )
    owner_role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.OTHER)


class TeamCreated(serializers.Serializer):
    token = serializers.CharField(help_text="The team's private token, shown only here.")
    url = serializers.URLField(help_text="The owner's team page.")
    invite_url = serializers.URLField(help_text="The link colleagues open to join.")


class MemberOutput(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    # Plain strings: another choice set on a field named "status" would rename the
    # assessments' status enum in the schema.
    status = serializers.CharField(help_text="One of: " + ", ".join(MEMBER_STATUSES) + ".")
    recommendation = serializers.CharField(allow_null=True, help_text="Their own result's slug.")


class CombinedAnswerOutput(serializers.Serializer):
    answer = serializers.JSONField(help_text='A choice key, a list, a number or "unknown".')
    # Declared fields (DRF's metaclass takes them out of the class), not Field.source/label.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["role", "majority", "agreed", "none"]
    )
    source_label = serializers.CharField()


class TeamResultOutput(serializers.Serializer):
    recommendation = serializers.CharField(
        help_text="The slug recommended on the combined answers."
    )
    scores = serializers.DictField(child=serializers.FloatField(), help_text="Fit 0–100 by slug.")
    confidence = serializers.FloatField(help_text="0–1.")
    combined_answers = serializers.DictField(
        child=CombinedAnswerOutput(), help_text="By question key, with where each came from."
    )


class DisagreementAnswerOutput(serializers.Serializer):
    member = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    answer = serializers.JSONField()
    label = serializers.CharField()  # type: ignore[assignment]


class DisagreementOutput(serializers.Serializer):
    question = serializers.CharField(help_text="The question's key.")
    question_text = serializers.CharField()
    answers = DisagreementAnswerOutput(many=True)
    impact = serializers.FloatField(
        help_text="Fit points by which the answers given move the first place's lead."
    )
    changes_recommendation = serializers.BooleanField()


class TeamOutput(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.CharField(
        help_text="One of: " + ", ".join(TEAM_STATUSES) + "; `complete` once every member "
        "has answered."
    )
    members = MemberOutput(many=True)
    result = TeamResultOutput(allow_null=True)
    disagreements = DisagreementOutput(many=True, help_text="Largest impact first.")


def team_payload(found: TeamResult) -> dict[str, Any]:
    """What the API shows of a team (no e-mail addresses)."""
    result = None
    if found.result is not None:
        result = {
            "recommendation": found.result["recommendation"],
            "scores": {slug: s["fit"] for slug, s in found.result["scores"].items()},
            "confidence": found.result["confidence"],
            "combined_answers": {
                row.question: {
                    "answer": row.answer,
                    "source": row.source,
                    "source_label": row.source_label,
                }
                for row in found.combined
            },
        }
    complete = all(m.status == "answered" for m in found.members)
    return {
        "name": found.team.name,
        "status": "complete" if complete else "answering",
        "members": [
            {"name": m.name, "role": m.role, "status": m.status, "recommendation": m.recommendation}
            for m in found.members
        ],
        "result": result,
        "disagreements": [
            {
                "question": d.question,
                "question_text": d.question_text,
                "answers": [
                    {"member": a.member, "role": a.role, "answer": a.answer, "label": a.label}
                    for a in d.answers
                ],
                "impact": d.impact,
                "changes_recommendation": d.changes_recommendation,
            }
            for d in found.disagreements
        ],
    }


TOKEN_DESCRIPTION = (
    "Authorised by the team's private token in the URL alone (from `POST /api/v1/teams/`). "
    "Throttle scope `share`. Unknown tokens answer 404."
)


class TeamTokenView(TokenAPIView):
    def team(self, token: str) -> Team:
        found = Team.objects.for_token(token).select_related("scoring_model").first()
        if found is None:
            if too_many_token_misses(self.request._request):
                raise Throttled
            raise NotFound
        return found


class TeamCreateView(TokenAPIView):
    @extend_schema(
        operation_id="teams_create",
        request=TeamInput,
        responses={
            201: TeamCreated,
            400: OpenApiResponse(description="Invalid name or role."),
            404: ErrorOutput,
            409: ErrorOutput,
        },
        summary="Create a team assessment from a scored assessment (token shown once)",
        description="Authorised by the owner's private assessment token in the body. "
        "409 when the assessment is not scored yet or already belongs to a team.",
    )
    def post(self, request: Request) -> Response:
        data = TeamInput(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = self.assessment(data.validated_data["assessment"])
        try:
            new = services.create_team(
                assessment=assessment,
                name=data.validated_data["name"],
                owner_name=data.validated_data["owner_name"],
                owner_role=data.validated_data["owner_role"],
            )
        except services.TeamError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        body = {"token": new.token, "url": new.url, "invite_url": new.invite_url}
        return Response(TeamCreated(body).data, status=status.HTTP_201_CREATED)


class TeamDetailView(TeamTokenView):
    @extend_schema(
        operation_id="teams_retrieve",
        responses={200: TeamOutput, 404: ErrorOutput, 429: ErrorOutput},
        summary="A team's members, combined result and disagreements",
        description=TOKEN_DESCRIPTION,
    )
    def get(self, request: Request, token: str) -> Response:
        found = self.team(token)
        return Response(team_payload(team_result(found, team_members(found))))


ROADMAP_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR, description="Columns Summary, Description, Labels, Priority."
    ),
    404: ErrorOutput,
    429: ErrorOutput,
}
MARKDOWN_RESPONSES = {
    (200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR, description="Checkbox list."),
    404: ErrorOutput,
    429: ErrorOutput,
}


def _team_roadmap_view(fmt: str, responses: dict[Any, Any]) -> type[TeamTokenView]:
    class View(TeamTokenView):
        @extend_schema(
            operation_id=f"teams_roadmap_{fmt}",
            responses=responses,
            summary=f"The team's roadmap ({fmt.upper()})",
            description=TOKEN_DESCRIPTION,
        )
        def get(self, request: Request, token: str) -> HttpResponse:
            found = self.team(token)
            return exports.roadmap_response(exports.team_roadmap(found), fmt=fmt, name=found.name)

    View.__name__ = f"TeamRoadmap{fmt.title()}View"
    return View


def _assessment_roadmap_view(fmt: str, responses: dict[Any, Any]) -> type[TokenAPIView]:
    class View(TokenAPIView):
        @extend_schema(
            operation_id=f"assessments_roadmap_{fmt}",
            responses={**responses, 409: ErrorOutput},
            summary=f"An assessment's roadmap ({fmt.upper()})",
            description="Authorised by the prospect's private token in the URL alone. "
            "Throttle scope `share`. Unknown tokens answer 404; 409 until it is scored.",
        )
        def get(self, request: Request, token: str) -> HttpResponse | Response:
            found = exports.assessment_roadmap(self.assessment(token))
            if found is None:
                return Response({"detail": _("The assessment is not scored yet.")}, status=409)
            return exports.roadmap_response(found, fmt=fmt, name="assessment")

    View.__name__ = f"AssessmentRoadmap{fmt.title()}View"
    return View


urlpatterns = [
    path("assessments/", TeamAwareSubmitView.as_view(), name="api-assessment-list"),
    path(
        "assessments/<str:token>/roadmap.csv",
        _assessment_roadmap_view("csv", ROADMAP_RESPONSES).as_view(),
        name="api-assessment-roadmap-csv",
    ),
    path(
        "assessments/<str:token>/roadmap.md",
        _assessment_roadmap_view("md", MARKDOWN_RESPONSES).as_view(),
        name="api-assessment-roadmap-md",
    ),
    path("teams/", TeamCreateView.as_view(), name="api-team-list"),
    path("teams/<str:token>/", TeamDetailView.as_view(), name="api-team-detail"),
    path(
        "teams/<str:token>/roadmap.csv",
        _team_roadmap_view("csv", ROADMAP_RESPONSES).as_view(),
        name="api-team-roadmap-csv",
    ),
    path(
        "teams/<str:token>/roadmap.md",
        _team_roadmap_view("md", MARKDOWN_RESPONSES).as_view(),
        name="api-team-roadmap-md",
    ),
]
