"""The prospect's flow: start, one step per section, contact and consent, then the result."""

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.assessments import forms, services
from apps.assessments.models import Assessment
from apps.core.htmx import HtmxHttpRequest
from apps.core.markdown import render_markdown
from apps.core.ratelimit import posted, rate_limit, token_page
from apps.questionnaire import forms as answer_forms
from apps.questionnaire import services as questionnaire_services
from apps.questionnaire.contracts import SnapshotQuestion, SnapshotSection
from apps.questionnaire.models import UNKNOWN


def _get_assessment_for_token(token: str) -> Assessment:
    """The assessment a private token opens; 404 for any other token."""
    # Views read the snapshot through services.snapshot_for (shared per version), so the large
    # JSON column is loaded only when this process has not seen the version yet.
    return get_object_or_404(
        Assessment.objects.for_token(token)
        .select_related("scoring_model", "recommendation")
        .defer("scoring_model__snapshot")
    )


# --- Start ---


@require_http_methods(["GET", "POST"])
@rate_limit("assessments.start", rate="PUBLIC_FORM_RATE", only_if=posted)
def start(request: HtmxHttpRequest) -> HttpResponse:
    """The introduction; its form creates a draft and opens step 1."""
    model = questionnaire_services.latest_model()
    if model is None:
        return render(request, "assessments/unavailable.html")
    form = forms.HoneypotForm(request.POST or None)
    if request.method == "POST" and not form.is_spam():
        _assessment, token = services.start_assessment(scoring_model=model)
        return redirect("assessments:step", token=token, n=1)
    snapshot = questionnaire_services.snapshot_of(model)
    ctx = {
        "questionnaire": snapshot.get("questionnaire", {}),
        "sections": snapshot["sections"],
        "question_count": len(answer_forms.all_questions(snapshot)),
        "form": form,
    }
    return render(request, "assessments/start.html", ctx)


# --- Wizard ---


def _steps(
    snapshot: Mapping[str, Any], token: str, current: int, reached: int
) -> list[dict[str, Any]]:
    titles = [section["title"] for section in snapshot["sections"]]
    titles.append(_("Your details"))
    return [
        {
            "n": n,
            "title": title,
            "url": reverse("assessments:step", kwargs={"token": token, "n": n}),
            "current": n == current,
            "done": n < current,
            "reachable": n <= max(reached, current),
        }
        for n, title in enumerate(titles, start=1)
    ]


def _wizard_context(
    request: HttpRequest, assessment: Assessment, token: str, n: int
) -> dict[str, Any]:
    snapshot = services.snapshot_for(assessment)
    steps = _steps(snapshot, token, n, assessment.current_step)
    return {
        "assessment": assessment,
        "token": token,
        "n": n,
        "steps": steps,
        "step_count": len(steps),
        "resume_url": request.build_absolute_uri(
            reverse("reports:result", kwargs={"token": token})
        ),
    }


def _get_draft_step(token: str, n: int) -> tuple[Assessment, int]:
    assessment = _get_assessment_for_token(token)
    if assessment.scoring_model is None:
        raise Http404
    last = len(services.snapshot_for(assessment)["sections"]) + 1
    if not 1 <= n <= last:
        raise Http404
    return assessment, last


@require_http_methods(["GET", "POST"])
@rate_limit("assessments.step", rate="PUBLIC_FORM_RATE", only_if=posted)
def step(request: HtmxHttpRequest, token: str, n: int) -> HttpResponse:
    """One section of questions (or, last, the contact step); saves the draft on every post."""
    assessment, last = _get_draft_step(token, n)
    if assessment.status != Assessment.Status.DRAFT:
        return redirect("reports:result", token=token)
    if n == last:
        return _finish(request, assessment, token, n)
    return _section(request, assessment, token, n)


def _section(request: HttpRequest, assessment: Assessment, token: str, n: int) -> HttpResponse:
    snapshot = services.snapshot_for(assessment)
    section = snapshot["sections"][n - 1]
    data = request.POST if request.method == "POST" else None
    form, merged = answer_forms.step_form(
        services.compiled_for(assessment),
        section["questions"],
        stored=assessment.answers,
        data=data,
    )
    resume = forms.ResumeLinkForm(data)
    if data is not None:
        action = data.get("action", "next")
        if action == "next" and form.is_valid() and resume.is_valid():
            _save_section(assessment, section, form.answers(), n + 1)
            _maybe_email_link(assessment, token, resume)
            return redirect("assessments:step", token=token, n=n + 1)
        if action != "next" and resume.is_valid():
            target = n - 1 if action == "back" and n > 1 else n
            _save_section(assessment, section, _visible_values(form), target)
            _maybe_email_link(assessment, token, resume)
            if action == "email" and resume.cleaned_data.get("resume_email"):
                return redirect(_step_url(token, n) + "?sent=1")
            return redirect("assessments:step", token=token, n=target)
    errors, unseen = _errors_to_show(form, data)
    ctx = _wizard_context(request, assessment, token, n)
    ctx |= {
        "section": section,
        "intro_html": render_markdown(section.get("intro", "")),
        "questions": _question_views(section, form, errors),
        "error_summary": _error_summary(form, errors, resume),
        "added_questions": bool(unseen),
        "resume_form": resume,
        "sent": request.GET.get("sent") == "1",
    }
    return render(request, "assessments/step.html", ctx)


def _errors_to_show(
    form: answer_forms.AnswersForm, data: Any
) -> tuple[dict[str, list[str]], set[str]]:
    """The errors to show, and the questions the prospect has not seen yet.

    Without JavaScript a conditional question appears only after the post that makes its
    condition true: asking for its answer then is not an error. The page lists the questions
    it showed in ``shown`` (kept current by the live re-render).
    """
    if not form.is_bound or form.is_valid():
        return {}, set()
    shown = data.get("shown")
    seen = set(shown.split(",")) if shown is not None else set(form.questions)
    unseen = set(form.questions) - seen
    errors = {
        key: [message for error in errors for message in error.messages]
        for key, errors in form.errors.as_data().items()
        if key in form.questions
        and not (key in unseen and all(error.code == "required" for error in errors))
    }
    return errors, unseen


def _step_url(token: str, n: int) -> str:
    return reverse("assessments:step", kwargs={"token": token, "n": n})


def _visible_values(form: answer_forms.AnswersForm) -> dict[str, Any]:
    # The form holds only the visible questions: what Back and "e-mail me" keep.
    return form.valid_values()


def _save_section(
    assessment: Assessment, section: SnapshotSection, answers: dict[str, Any], target: int
) -> None:
    keys = {q["key"] for q in section["questions"]}
    services.save_answers(assessment=assessment, section_keys=keys, answers=answers, step=target)


def _maybe_email_link(assessment: Assessment, token: str, resume: forms.ResumeLinkForm) -> None:
    email = resume.cleaned_data.get("resume_email")
    if email:
        services.email_resume_link(assessment=assessment, token=token, email=email)


@require_http_methods(["GET", "POST"])
@rate_limit("assessments.step_questions", rate="TOKEN_LOOKUP_RATE", only_if=posted)
def step_questions(request: HtmxHttpRequest, token: str, n: int) -> HttpResponse:
    """The section's questions for the values just chosen (unsaved): conditions react live."""
    assessment, last = _get_draft_step(token, n)
    if not request.htmx or request.method != "POST" or n == last:
        return redirect("assessments:step", token=token, n=n)
    if assessment.status != Assessment.Status.DRAFT:
        return redirect("reports:result", token=token)
    snapshot = services.snapshot_for(assessment)
    section = snapshot["sections"][n - 1]
    form, _merged = answer_forms.step_form(
        services.compiled_for(assessment),
        section["questions"],
        stored=assessment.answers,
        data=request.POST,
    )
    ctx = _wizard_context(request, assessment, token, n)
    # Re-rendering must not show errors for questions the prospect has not reached yet.
    ctx["questions"] = _question_views(section, form, errors={})
    return render(request, "assessments/step.html#questions", ctx)


def _question_views(
    section: SnapshotSection, form: answer_forms.AnswersForm, errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """What the template needs per visible question: its value, errors and wiring."""
    keys = {q["key"] for q in section["questions"]}
    # Inputs that a question of this same section depends on re-render the section live.
    conditions = (q.get("condition") for q in section["questions"])
    live = {c["question"] for c in conditions if c and c.get("question") in keys}
    views = []
    for key, question in form.questions.items():
        value = form.raw_value(key) if form.is_bound else form.initial.get(key)
        views.append(_question_view(question, value, errors.get(key, []), key in live))
    return views


def _question_view(
    question: Mapping[str, Any], value: Any, errors: list, live: bool
) -> dict[str, Any]:
    key, kind = question["key"], question["kind"]
    is_unknown = value == UNKNOWN or (isinstance(value, list) and UNKNOWN in value)
    if isinstance(value, list):
        selected = [str(v) for v in value]
    else:
        selected = [] if value is None or is_unknown else [str(value)]
    described_by = [f"q-{key}-help"] if question.get("help") else []
    if kind == "number":
        described_by.append(f"q-{key}-range")
    if errors:
        described_by.append(f"q-{key}-error")
    choices = [(c["key"], c["label"]) for c in question["choices"]] if kind != "number" else []
    if choices and question.get("allow_unknown"):
        choices.append((UNKNOWN, _("Don't know")))
    options = [
        {
            "value": choice_key,
            "label": label,
            "id": f"q-{key}-{index}",
            "checked": choice_key in selected or (choice_key == UNKNOWN and is_unknown),
        }
        for index, (choice_key, label) in enumerate(choices)
    ]
    return {
        "q": question,
        "key": key,
        "name": answer_forms.field_name(key),
        "unknown_name": answer_forms.field_name(key) + answer_forms.UNKNOWN_SUFFIX,
        "help_html": render_markdown(question.get("help") or ""),
        "input_type": "checkbox" if kind == "multiple" else "radio",
        "options": options,
        "number_value": selected[0] if kind == "number" and selected else "",
        "is_unknown": is_unknown,
        "errors": errors,
        "live": live,
        "described_by": " ".join(described_by),
    }


def _error_summary(
    form: answer_forms.AnswersForm, errors: dict[str, list[str]], resume: forms.ResumeLinkForm
) -> list[dict[str, Any]]:
    if not form.is_bound:
        return []
    summary = [
        {
            "anchor": f"#q-{key}" if form.questions[key]["kind"] == "number" else f"#q-{key}-0",
            "label": form.questions[key]["text"],
            "message": messages[0],
        }
        for key, messages in errors.items()
    ]
    summary += [
        {
            "anchor": "#resume-email",
            "label": str(resume.fields["resume_email"].label),
            "message": str(messages[0]),
        }
        for messages in resume.errors.values()
    ]
    return summary


# --- Last step: contact, consent and submit ---


def _finish(request: HttpRequest, assessment: Assessment, token: str, n: int) -> HttpResponse:
    form = forms.ContactForm(request.POST or None)
    summary: list[dict] = []
    if request.method == "POST":
        if form.is_spam():
            return render(request, "assessments/received.html")
        if request.POST.get("action") == "back":
            return redirect("assessments:step", token=token, n=n - 1)
        if form.is_valid():
            try:
                services.submit_assessment(
                    assessment=assessment,
                    contact=form.contact(),
                    consent=form.cleaned_data["consent"],
                )
            except ValidationError as exc:
                summary = _incomplete_summary(assessment, token, exc)
            else:
                return redirect("reports:result", token=token)
        summary += [
            {"anchor": f"#id_{name}", "label": str(form.fields[name].label), "message": errors[0]}
            for name, errors in form.errors.items()
            if name in form.fields
        ]
    ctx = _wizard_context(request, assessment, token, n)
    ctx |= {
        "form": form,
        "error_summary": summary,
        "review": _review(assessment, token),
    }
    return render(request, "assessments/finish.html", ctx)


def _incomplete_summary(
    assessment: Assessment, token: str, exc: ValidationError
) -> list[dict[str, Any]]:
    """Links to the steps holding the answers that still need attention."""
    sections = services.snapshot_for(assessment)["sections"]
    step_of = {q["key"]: i for i, s in enumerate(sections, start=1) for q in s["questions"]}
    text_of = {q["key"]: q["text"] for s in sections for q in s["questions"]}
    return [
        {
            "anchor": _step_url(token, step_of.get(key, 1)) + f"#q-{key}-0",
            "label": text_of.get(key, key),
            "message": messages[0],
        }
        for key, messages in exc.message_dict.items()
    ]


def _review(assessment: Assessment, token: str) -> list[dict[str, Any]]:
    """The answers so far, per section, in words, with a link back to each step."""
    review = []
    for n, section in enumerate(services.snapshot_for(assessment)["sections"], start=1):
        rows = [
            {"question": q["text"], "answer": _answer_label(q, assessment.answers[q["key"]])}
            for q in section["questions"]
            if q["key"] in assessment.answers
        ]
        review.append({"title": section["title"], "url": _step_url(token, n), "rows": rows})
    return review


def _answer_label(question: SnapshotQuestion, value: Any) -> str:
    if value == UNKNOWN:
        return _("Don't know")
    labels: dict[str, str] = {c["key"]: str(c["label"]) for c in question["choices"]}
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if question["kind"] == "number":
        unit = question.get("unit") or ""
        return (
            f"{value:g} {unit}".strip() if isinstance(value, float) else f"{value} {unit}".strip()
        )
    return labels.get(str(value), str(value))


@require_POST
@rate_limit("assessments.retry", rate="PUBLIC_FORM_RATE")
def retry(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Queues a failed assessment for scoring again."""
    assessment = _get_assessment_for_token(token)
    services.retry_scoring(assessment=assessment)
    return redirect("reports:result", token=token)


# --- The prospect's right to be forgotten ---


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def delete_assessment(request: HtmxHttpRequest, token: str) -> HttpResponse:
    assessment = _get_assessment_for_token(token)
    form = forms.DeleteAssessmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.delete_assessment(assessment=assessment)
        messages.success(
            request, _("Your assessment, contact details and share links have been deleted.")
        )
        return redirect("catalog:home")
    ctx = {"assessment": assessment, "token": token, "form": form}
    return render(request, "assessments/delete.html", ctx, status=400 if form.errors else 200)
