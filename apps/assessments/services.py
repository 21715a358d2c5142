"""Workflows of a prospect's assessment: start, save, submit, score, retry, sweep, purge.

The scoring itself is the engine's (``apps.questionnaire.scoring``); these functions load
rows, call it and store what it returns.
"""

import logging
from datetime import datetime
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.assessments import signals
from apps.assessments.models import Assessment
from apps.catalog.models import Technology
from apps.core.durability import relaxed_commit
from apps.core.queue import enqueue
from apps.core.tokens import hash_token, new_token, token_digest
from apps.questionnaire import scoring
from apps.questionnaire import services as questionnaire_services
from apps.questionnaire.contracts import Result, Snapshot
from apps.questionnaire.forms import validate_answers
from apps.questionnaire.models import ScoringModel

logger = logging.getLogger(__name__)

Status = Assessment.Status
# A row that a worker lost this many times in "scoring" is failed instead of re-queued.
MAX_ATTEMPTS = 5
REQUEUE_BATCH = 500
# What the row keeps about a failure: never a traceback, never the answers.
SAFE_FAILURE = "Scoring failed ({kind}); the details are in the worker log."
# How long a prospect's client waits before it looks again at an assessment being scored: the
# result page's poll, and the ``Retry-After`` the API sends with a submission and a pending status.
POLL_SECONDS = 1
CONTACT_FIELDS = {
    "name": "contact_name",
    "email": "contact_email",
    "company": "company",
    "role": "role",
}


class NoPublishedModel(Exception):
    """No scoring model has been published: the questionnaire cannot be taken yet."""


def snapshot_for(assessment: Assessment) -> Snapshot:
    """The snapshot of the model the assessment was started on; shared, so read-only.

    An assessment without a model (none was published yet) gets an empty one.
    """
    if assessment.scoring_model is None:
        return cast(Snapshot, {})
    return questionnaire_services.snapshot_of(assessment.scoring_model)


def compiled_for(assessment: Assessment) -> scoring.CompiledModel:
    """The compiled model the assessment was started on; shared per version, so read-only."""
    if assessment.scoring_model is None:
        raise NoPublishedModel
    return questionnaire_services.compiled_model(assessment.scoring_model)


def start_assessment(*, scoring_model: ScoringModel | None = None) -> tuple[Assessment, str]:
    """A new draft on the latest published model, and its private token (shown once)."""
    model = scoring_model or questionnaire_services.latest_model()
    if model is None:
        raise NoPublishedModel
    raw, digest = new_token()
    assessment = Assessment.objects.create(token_hash=digest, scoring_model=model)
    return assessment, raw


def save_answers(
    *, assessment: Assessment, section_keys: set[str], answers: dict[str, Any], step: int
) -> bool:
    """Replaces one section's answers of a draft; answers to now-hidden questions are dropped.

    Returns False when the assessment is no longer a draft (nothing is written then).
    """
    merged = {k: v for k, v in assessment.answers.items() if k not in section_keys} | answers
    cleaned = scoring.clean_answers(compiled_for(assessment), merged)
    current_step = max(assessment.current_step, step)
    saved = Assessment.objects.filter(pk=assessment.pk, status=Status.DRAFT).update(
        answers=cleaned, current_step=current_step, updated_at=timezone.now()
    )
    assessment.answers, assessment.current_step = cleaned, current_step
    return saved == 1


def submit_assessment(
    *, assessment: Assessment, contact: dict[str, str], consent: bool
) -> Assessment:
    """Validates the whole answer set, saves it as pending and queues scoring on commit.

    Raises ``ValidationError`` (messages per question key) when an answer is missing or
    invalid. Without consent no contact detail is kept. Submitting twice changes nothing.
    """
    fields = _submitted(assessment, contact=contact, consent=consent)
    with transaction.atomic():
        submitted = Assessment.objects.filter(pk=assessment.pk, status=Status.DRAFT).update(
            **fields
        )
        if submitted == 1:
            _queue_scoring(assessment.pk)
    if submitted == 1:
        for name, value in fields.items():
            setattr(assessment, name, value)
    else:
        assessment.refresh_from_db()
    return assessment


def submit_answers(
    *,
    answers: dict[str, Any],
    contact: dict[str, str],
    consent: bool,
    scoring_model: ScoringModel | None = None,
    validated: bool = False,
) -> tuple[Assessment, str]:
    """Starts and submits an assessment at once (the API's path); returns its token.

    One INSERT of the validated, pending row, and scoring queued once it is committed.
    ``validated``: ``answers`` are what ``validate_answers`` returned for ``scoring_model``
    (the API's serializer ran it), so they are not cleaned a second time.
    """
    model = scoring_model or questionnaire_services.latest_model()
    if model is None:
        raise NoPublishedModel
    if validated and scoring_model is None:
        raise ValueError("answers validated for an unnamed model: pass scoring_model")
    raw, digest = new_token()
    assessment = Assessment(token_hash=digest, scoring_model=model, answers=answers)
    fields = _submitted(assessment, contact=contact, consent=consent, validated=validated)
    for name, value in fields.items():
        setattr(assessment, name, value)
    # One statement, so no transaction of its own (BEGIN and COMMIT are two round trips more):
    # the INSERT commits by itself and scoring is queued right after it, or on the commit of a
    # caller's transaction.
    assessment.save(force_insert=True)
    _queue_scoring(assessment.pk)
    return assessment, raw


def _submitted(
    assessment: Assessment, *, contact: dict[str, str], consent: bool, validated: bool = False
) -> dict[str, Any]:
    """The fields a submission sets: validated answers, pending, contact only with consent."""
    answers = assessment.answers
    if not validated:
        answers = validate_answers(compiled_for(assessment), answers)
    kept = contact if consent else {}
    now = timezone.now()
    return {
        "answers": answers,
        "status": Status.PENDING,
        "submitted_at": now,
        "updated_at": now,
        "consent": consent,
        **{field: kept.get(key, "") for key, field in CONTACT_FIELDS.items()},
    }


def _queue_scoring(assessment_id: int) -> None:
    # Queued on commit; with the broker down the row stays pending and the sweep queues it.
    enqueue("assessments.score", assessment_id)


def retry_scoring(*, assessment: Assessment) -> bool:
    """Puts a failed assessment back in the queue; False if it had not failed."""
    with transaction.atomic():
        retried = Assessment.objects.filter(pk=assessment.pk, status=Status.FAILED).update(
            status=Status.PENDING, error="", attempts=0, updated_at=timezone.now()
        )
        if retried == 1:
            _queue_scoring(assessment.pk)
    assessment.refresh_from_db()
    return retried == 1


def claim_for_scoring(*, assessment_id: int) -> Assessment | None:
    """Marks a pending row "scoring", counting the attempt, and returns it as it now is.

    One statement (``UPDATE … RETURNING``), committed on its own, where a claim and a read
    were two: the row comes back with its model version's number and checksum, enough for
    the per-process compiled copy (the snapshot stays deferred). None when the row is not
    pending: scored, claimed by another run, or deleted.

    Its commit does not wait for the disk (``relaxed_commit``): a claim lost in a database
    crash leaves the row pending, one attempt uncounted, and the sweep queues it again.
    """
    quote = connection.ops.quote_name
    table, versions = quote(Assessment._meta.db_table), quote(ScoringModel._meta.db_table)
    version_of = f"FROM {versions} WHERE {versions}.id = {table}.scoring_model_id"
    claimed = Assessment.objects.raw(
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, updated_at = %s "
        f"WHERE id = %s AND status = %s AND {relaxed_commit()} "
        f"RETURNING *, (SELECT version {version_of}) AS model_version, "
        f"(SELECT checksum {version_of}) AS model_checksum",
        [
            Status.SCORING,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            assessment_id,
            Status.PENDING,
        ],
    )
    return _with_version(next(iter(claimed), None))


def status_for_token(raw: str) -> Assessment | None:
    """The row a status poll reads, by its private token: status, answers, result and the
    model version's number and checksum; None for an unknown or malformed token.

    Polled every second while scoring: one statement of fixed text instead of a queryset,
    whose compilation cost more CPU than the query (0.73 against 0.33 ms per lookup). The
    other columns are deferred.
    """
    digest = token_digest(raw)
    if digest is None:
        return None
    quote = connection.ops.quote_name
    table, versions = quote(Assessment._meta.db_table), quote(ScoringModel._meta.db_table)
    columns = ", ".join(
        f"{table}.{quote(name)}"
        for name in ("id", "status", "answers", "result", "scoring_model_id")
    )
    rows = Assessment.objects.raw(
        f"SELECT {columns}, {versions}.version AS model_version, "
        f"{versions}.checksum AS model_checksum FROM {table} "
        f"LEFT JOIN {versions} ON {versions}.id = {table}.scoring_model_id "
        f"WHERE {table}.token_hash = %s",
        [digest],
    )
    return _with_version(next(iter(rows), None))


def _with_version(assessment: Assessment | None) -> Assessment | None:
    """A row read with ``model_version`` and ``model_checksum`` columns: they become its
    ``scoring_model`` (id, version and checksum, enough for the per-process compiled copy)."""
    if assessment is None:
        return None
    extra = vars(assessment)
    version, checksum = extra.pop("model_version"), extra.pop("model_checksum")
    if assessment.scoring_model_id is not None:
        assessment.scoring_model = ScoringModel.from_db(
            connection.alias,
            ["id", "version", "checksum"],
            [assessment.scoring_model_id, version, checksum],
        )
    return assessment


def score_assessment(*, assessment_id: int, scoring_model: ScoringModel | None = None) -> None:
    """Scores an assessment and stores the result with its denormalised figures.

    Uses ``scoring_model``, else the model the draft was started on, else the latest one.
    Re-scoring a scored assessment with another model keeps the old result in
    ``previous_result``.
    """
    # The snapshot is large and the engine's copy is shared per version: load it only on a miss.
    assessment = (
        Assessment.objects.select_related("scoring_model")
        .defer("scoring_model__snapshot")
        .get(pk=assessment_id)
    )
    score_loaded(assessment=assessment, scoring_model=scoring_model)


def score_loaded(
    *, assessment: Assessment, scoring_model: ScoringModel | None = None, relaxed: bool = False
) -> None:
    """``score_assessment`` for a row already at hand (e.g. from ``claim_for_scoring``).

    ``relaxed``: the commit of the caller's transaction need not wait for the disk
    (``relaxed_commit``), for a caller whose lost commit the sweep redoes (the scoring task).
    """
    model = scoring_model or assessment.scoring_model or questionnaire_services.latest_model()
    if model is None:
        raise NoPublishedModel
    compiled = questionnaire_services.compiled_model(model)
    answers = scoring.clean_answers(compiled, assessment.answers)
    result = scoring.score(compiled, answers, gettext=_)
    recommended = result["recommendation"]
    if recommended is None:
        # Publishing refuses a model without options, so this is a broken row, not a visitor's.
        raise ValueError(f"scoring model v{model.version} recommends nothing: it has no options")
    now = timezone.now()
    stored = _store_result(
        assessment.pk,
        model=model,
        result=result,
        recommended=recommended,
        now=now,
        relaxed=relaxed,
    )
    if stored is None:
        # Deleted since it was read (the prospect asked to be forgotten): nothing to score.
        return
    # The row as now stored, the previous result kept as the statement keeps it.
    if assessment.result is not None and assessment.scoring_model_id != model.pk:
        assessment.previous_result = assessment.result
        assessment.previous_scoring_model = assessment.scoring_model
    assessment.result = result
    assessment.scoring_model = model
    assessment.fit = result["scores"][recommended]["fit"]
    assessment.confidence = result["confidence"]
    assessment.scored_at = assessment.updated_at = now
    assessment.status = Status.SCORED
    assessment.error = ""
    assessment.recommendation_id = stored.recommendation_id
    signals.assessment_scored.send(sender=Assessment, assessment=assessment)


class _Stored(NamedTuple):
    recommendation_id: int | None


def _store_result(
    assessment_id: int,
    *,
    model: ScoringModel,
    result: Result,
    recommended: str,
    now: datetime,
    relaxed: bool,
) -> _Stored | None:
    """Scoring's one write: the result with its denormalised figures (the recommended
    technology's id looked up by the statement itself, and returned) and, when the stored
    result came from another model version, that result and version kept as the previous
    ones. None when the row is gone.

    One statement of fixed text, as the claim is: as ``save()`` with a subquery, compiling it
    cost about 0.95 ms of CPU per scoring where this costs 0.33 ms, the same statement on the
    server. The SET clauses read the row as it was, so the previous result is decided by the
    stored row, not by a copy of it. ``relaxed``: the statement carries the transaction's
    relaxed commit (``relaxed_commit``), where a ``SET`` of its own was a round trip more.
    """
    ops, quote = connection.ops, connection.ops.quote_name
    table, technologies = quote(Assessment._meta.db_table), quote(Technology._meta.db_table)
    result_column, model_column = quote("result"), quote("scoring_model_id")
    replaced = f"{result_column} IS NOT NULL AND COALESCE({model_column}, 0) <> %(model)s"
    stored = ops.adapt_datetimefield_value(now)
    relax = f" AND {relaxed_commit()}" if relaxed else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "
            f"{quote('previous_result')} = CASE WHEN {replaced} "
            f"THEN {result_column} ELSE {quote('previous_result')} END, "
            f"{quote('previous_scoring_model_id')} = CASE WHEN {replaced} "
            f"THEN {model_column} ELSE {quote('previous_scoring_model_id')} END, "
            f"{result_column} = %(result)s, {model_column} = %(model)s, "
            f"{quote('recommendation_id')} = "
            f"(SELECT {quote('id')} FROM {technologies} WHERE {quote('slug')} = %(recommended)s), "
            f"{quote('fit')} = %(fit)s, {quote('confidence')} = %(confidence)s, "
            f"{quote('scored_at')} = %(now)s, {quote('updated_at')} = %(now)s, "
            f"{quote('status')} = %(status)s, {quote('error')} = '' "
            f"WHERE {quote('id')} = %(id)s{relax} RETURNING {quote('recommendation_id')}",
            {
                "model": model.pk,
                "result": Assessment._meta.get_field("result").get_db_prep_save(result, connection),
                "recommended": recommended,
                "fit": result["scores"][recommended]["fit"],
                "confidence": result["confidence"],
                "now": stored,
                "status": Status.SCORED,
                "id": assessment_id,
            },
        )
        row = cursor.fetchone()
    return None if row is None else _Stored(recommendation_id=row[0])


def release_claim(*, assessment_id: int) -> None:
    """Hands a row claimed for scoring back to the queue, for a retry after a transient fault."""
    Assessment.objects.filter(pk=assessment_id, status=Status.SCORING).update(
        status=Status.PENDING, updated_at=timezone.now()
    )


def mark_failed(*, assessment_id: int, exc: BaseException) -> None:
    """Records that scoring gave up, with a message safe to show staff."""
    Assessment.objects.filter(pk=assessment_id, status__in=[Status.PENDING, Status.SCORING]).update(
        status=Status.FAILED,
        error=SAFE_FAILURE.format(kind=type(exc).__name__),
        updated_at=timezone.now(),
    )


def requeue_stuck() -> list[int]:
    """Queues scoring again for rows whose task was lost; returns their ids.

    Rows held in "scoring" by a dead worker go back to pending first, or fail after
    ``MAX_ATTEMPTS`` claims so a poisonous row cannot loop forever.
    """
    now = timezone.now()
    stuck: QuerySet[Assessment] = Assessment.objects.stuck_scoring()
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, error=SAFE_FAILURE.format(kind="worker lost"), updated_at=now
    )
    stuck.update(status=Status.PENDING, updated_at=now)
    ids = list(
        Assessment.objects.stuck_pending()
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    for assessment_id in ids:
        enqueue("assessments.score", assessment_id)
    return ids


def purge_stale_drafts() -> int:
    """Deletes drafts untouched for ``settings.DRAFT_RETENTION``; returns how many."""
    with transaction.atomic():
        stale = Assessment.objects.stale_drafts()
        ids = list(stale.values_list("pk", flat=True))
        signals.assessments_deleting.send(sender=Assessment, ids=ids)
        deleted, _by_model = Assessment.objects.filter(pk__in=ids).delete()
    return deleted


def resume_url(token: str) -> str:
    """The absolute private link that resumes a draft or shows the result."""
    return settings.SITE_URL + reverse("reports:result", kwargs={"token": token})


def email_resume_link(*, assessment: Assessment, token: str, email: str) -> None:
    """Queues an e-mail with the private link; the address itself is not stored."""
    enqueue("assessments.send_resume_link", assessment.pk, email, token)


def send_resume_link(*, assessment_id: int, email: str, token: str) -> bool:
    """Sends the private link, if the token still opens that assessment; True when sent."""
    opens = Assessment.objects.filter(pk=assessment_id, token_hash=hash_token(token)).exists()
    if not opens:
        return False
    body = render_to_string("assessments/email/resume_link.txt", {"url": resume_url(token)})
    send_mail(_("Your Orchestration Advisor assessment"), body, None, [email])
    return True


def result_for(assessment: Assessment) -> Result:
    """The stored engine result of an assessment; empty until it is scored."""
    return cast(Result, dict(assessment.result or {}))


# --- Deletion and anonymisation (the prospect's right to be forgotten) ---


def delete_assessment(*, assessment: Assessment) -> None:
    """Delete an assessment with its contact data, share links (cascade) and PDF files."""
    delete_assessments(assessments=Assessment.objects.filter(pk=assessment.pk))


def delete_assessments(*, assessments: QuerySet[Assessment]) -> int:
    """Delete assessments, their share links and views (cascade) and their PDF files."""
    with transaction.atomic():
        rows = list(assessments.select_related(None).only("pk", "report_pdf"))
        ids = [row.pk for row in rows]
        signals.assessments_deleting.send(sender=Assessment, ids=ids)
        Assessment.objects.filter(pk__in=ids).delete()
        # Files go only once the rows are gone for good.
        _release_report_files_on_commit(rows)
    return len(rows)


def anonymise_assessments(*, assessments: QuerySet[Assessment]) -> int:
    """Blank the contact fields and consent, and drop the PDFs (they name the company).

    The answers and result stay, so the statistics keep their numbers. Returns the count.
    """
    with transaction.atomic():
        rows = list(assessments.select_related(None).select_for_update().only("pk", "report_pdf"))
        count = Assessment.objects.filter(pk__in=[row.pk for row in rows]).update(
            contact_name="",
            contact_email="",
            company="",
            role="",
            consent=False,
            report_pdf="",
            report_key="",
            report_status=Assessment.ReportStatus.NONE,
            updated_at=timezone.now(),
        )
        _release_report_files_on_commit(rows)
    return count


def _release_report_files_on_commit(rows: list[Assessment]) -> None:
    names = [row.report_pdf.name for row in rows if row.report_pdf.name]
    if names:
        transaction.on_commit(
            lambda: signals.report_files_released.send(sender=Assessment, names=names)
        )
