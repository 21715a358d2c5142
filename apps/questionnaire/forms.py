"""The answer rules, built from a scoring model's questions: the one place they live.

The wizard renders and validates one section at a time with ``AnswersForm`` (``step_form``);
the API, ``submit_assessment`` and the admin's draft preview validate a whole answer set with
``validate_answers``. Which questions are shown is decided by the engine (``scoring``), never
here. Functions taking a ``model`` accept a compiled model (``services.compiled_model``) or a
snapshot, which is then compiled afresh.
"""

import math
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import scoring
from .contracts import Snapshot, SnapshotQuestion
from .models import UNKNOWN

Answers = dict[str, Any]
Question = SnapshotQuestion
Model = scoring.CompiledModel | Snapshot

PREFIX = "q"
UNKNOWN_SUFFIX = "__unknown"
# Above this a float no longer holds every integer exactly; keep such values as floats.
_MAX_EXACT_INT = 2**53

REQUIRED = _("Please answer this question.")
NOT_ONE_CHOICE = _("Choose one of the answers offered.")
NOT_A_LIST = _("Choose answers from the list offered.")
UNKNOWN_ALONE = _("“Don't know” cannot be combined with other answers.")
NOT_A_NUMBER = _("Enter a number.")
UNKNOWN_QUESTION = _("There is no such question in this questionnaire.")
TOO_MANY_ANSWERS = _("There are more answers than the %(limit)d questions of this questionnaire.")
MORE_ERRORS = _("… and %(count)d more errors not shown.")
# At most this many question keys are reported; a count stands for the rest.
MAX_ERRORS = 20


def field_name(key: str) -> str:
    """The HTML name of a question's input; prefixed so a key never clashes with other fields."""
    return f"{PREFIX}-{key}"


def all_questions(model: Model) -> list[Question]:
    """Every question of the model, in questionnaire order."""
    snapshot = model.snapshot if isinstance(model, scoring.CompiledModel) else model
    return [q for section in snapshot["sections"] for q in section["questions"]]


def visible_keys(model: Model, answers: Mapping[str, Any]) -> set[str]:
    """Keys of the questions the engine shows for these answers."""
    m = scoring.compiled(model)
    cleaned = scoring.clean_answers(m, answers)
    return {q["key"] for q in scoring.visible_questions(m, cleaned)}


class NumberWidget(forms.Widget):
    """A number input plus an optional "don't know" checkbox named ``<name>__unknown``."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if data.get(name + UNKNOWN_SUFFIX):
            return UNKNOWN
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + UNKNOWN_SUFFIX not in data


class SingleAnswerField(forms.ChoiceField):
    """One choice key (single and scale questions); JSON numbers count as their string form."""

    default_error_messages = {"invalid_choice": NOT_ONE_CHOICE, "required": REQUIRED}

    def to_python(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | type(None)):
            raise ValidationError(NOT_ONE_CHOICE, code="invalid_choice")
        return str(super().to_python(value))

    def clean(self, value: Any) -> str | None:
        return super().clean(value) or None


class MultipleAnswerField(forms.MultipleChoiceField):
    """A list of choice keys, or ``"unknown"`` alone."""

    default_error_messages = {
        "invalid_choice": NOT_A_LIST,
        "invalid_list": NOT_A_LIST,
        "required": REQUIRED,
    }

    def __init__(
        self, *, allow_unknown: bool, choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        self.allow_unknown = allow_unknown
        self.order = [key for key, _label in choices]
        super().__init__(choices=choices, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        if value == UNKNOWN and self.allow_unknown:
            return [UNKNOWN]
        if isinstance(value, list | tuple) and not all(isinstance(v, str) for v in value):
            raise ValidationError(NOT_A_LIST, code="invalid_list")
        return super().to_python(value)

    def clean(self, value: Any) -> list[str] | str | None:
        keys: list[str] = super().clean(value)
        if UNKNOWN in keys:
            if len(set(keys)) > 1:
                raise ValidationError(UNKNOWN_ALONE, code="unknown_alone")
            return UNKNOWN
        # Choice order, without duplicates, so equal answers are stored identically.
        return sorted(set(keys), key=self.order.index) or None


class NumberAnswerField(forms.Field):
    """A finite number within the question's bounds, or ``"unknown"`` where allowed."""

    widget = NumberWidget
    default_error_messages = {"invalid": NOT_A_NUMBER, "required": REQUIRED}

    def __init__(
        self,
        *,
        allow_unknown: bool,
        min_value: float | None,
        max_value: float | None,
        **kwargs: Any,
    ) -> None:
        self.allow_unknown = allow_unknown
        self.min_value = min_value
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | float | str | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if value == UNKNOWN:
            if self.allow_unknown:
                return UNKNOWN
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not math.isfinite(number):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if number.is_integer() and abs(number) < _MAX_EXACT_INT:
            return int(number)
        return number

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None or value == UNKNOWN:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                _("Enter a number of at least %(limit)s."),
                code="min_value",
                params={"limit": _format_number(self.min_value)},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                _("Enter a number of at most %(limit)s."),
                code="max_value",
                params={"limit": _format_number(self.max_value)},
            )


def _format_number(value: float) -> str:
    return f"{value:g}" if not float(value).is_integer() else f"{int(value)}"


def _choices(question: Question) -> list[tuple[str, str]]:
    choices = [(c["key"], c["label"]) for c in question["choices"]]
    if question.get("allow_unknown"):
        choices.append((UNKNOWN, str(_("Don't know"))))
    return choices


def field_for(question: Question) -> forms.Field:
    """The form field enforcing one snapshot question's rules."""
    common: dict[str, Any] = {"required": bool(question["required"]), "label": question["text"]}
    kind = question["kind"]
    if kind == "number":
        return NumberAnswerField(
            allow_unknown=bool(question.get("allow_unknown")),
            min_value=question.get("min_value"),
            max_value=question.get("max_value"),
            **common,
        )
    if kind == "multiple":
        return MultipleAnswerField(
            allow_unknown=bool(question.get("allow_unknown")),
            choices=_choices(question),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return SingleAnswerField(choices=_choices(question), widget=forms.RadioSelect, **common)


class AnswersForm(forms.Form):
    """Answers to a list of snapshot questions, one field per question key."""

    def __init__(self, *args: Any, questions: Iterable[Question], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.questions = {q["key"]: q for q in questions}
        for key, question in self.questions.items():
            self.fields[key] = field_for(question)

    def raw_value(self, key: str) -> Any:
        """What the client sent for a question, before any cleaning."""
        field = self.fields[key]
        return field.widget.value_from_datadict(self.data, self.files, self.add_prefix(key))

    def clean_each(self) -> tuple[Answers, dict[str, list[str]]]:
        """Each field cleaned on its own: the valid non-empty answers, and the errors by key."""
        values: Answers = {}
        errors: dict[str, list[str]] = {}
        for key, field in self.fields.items():
            try:
                value = field.clean(self.raw_value(key))
            except ValidationError as exc:
                errors[key] = [str(message) for message in exc.messages]
                continue
            if value is not None:
                values[key] = value
        return values, errors

    def valid_values(self) -> Answers:
        """The answers that are valid on their own, ignoring "required": what Back keeps."""
        return self.clean_each()[0]

    def answers(self) -> Answers:
        """The cleaned answers, without the questions left empty. Call after ``is_valid()``."""
        return {key: value for key, value in self.cleaned_data.items() if value is not None}


def as_form_data(answers: Mapping[str, Any]) -> dict[str, Any]:
    """An answer dict (stored or posted as JSON) as the data of an ``AnswersForm``."""
    return {field_name(key): value for key, value in answers.items()}


def step_form(
    model: Model,
    questions: list[Question],
    *,
    stored: Answers,
    data: Any = None,
) -> tuple[AnswersForm, Answers]:
    """The form for one section's visible questions, and the answers it shows them for.

    Visibility follows the stored answers of other sections merged with the valid values
    posted for this section, so a condition reacts to what the prospect just chose.
    """
    keys = {q["key"] for q in questions}
    if data is None:
        current = {k: v for k, v in stored.items() if k in keys}
    else:
        current = AnswersForm(data, questions=questions).valid_values()
    merged = {k: v for k, v in stored.items() if k not in keys} | current
    shown = visible_keys(model, merged)
    visible = [q for q in questions if q["key"] in shown]
    if data is None:
        return AnswersForm(questions=visible, initial=current), merged
    return AnswersForm(data, questions=visible), merged


# Building ~30 form fields is most of a validation's time. Cleaning never changes a field, so
# one set per compiled version and language is shared (never rendered: forms build their own).
_FIELDS: dict[tuple[int, str], tuple[scoring.CompiledModel, dict[str, forms.Field]]] = {}
_FIELDS_KEPT = 8
_FIELDS_LOCK = threading.Lock()


def _validation_fields(m: scoring.CompiledModel) -> dict[str, forms.Field]:
    """The question fields of ``m`` by key, in questionnaire order, in the active language."""
    key = (id(m), get_language() or "")
    cached = _FIELDS.get(key)
    # The entry holds ``m`` itself, so its id cannot be reused by another object meanwhile.
    if cached is not None and cached[0] is m:
        return cached[1]
    fields = {q["key"]: field_for(q) for q in all_questions(m)}
    with _FIELDS_LOCK:
        if len(_FIELDS) >= _FIELDS_KEPT:
            _FIELDS.pop(next(iter(_FIELDS)))
        _FIELDS[key] = (m, fields)
    return fields


def validate_answers(model: Model, answers: Any) -> Answers:
    """A whole answer set, cleaned; answers to hidden questions are dropped.

    Raises ``ValidationError`` with a list of messages per question key.
    """
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": [NOT_A_LIST]})
    check_answer_count(model, answers)
    m = scoring.compiled(model)
    fields = _validation_fields(m)
    errors: dict[str, list[str]] = {
        str(key): [str(UNKNOWN_QUESTION)] for key in answers if key not in fields
    }
    data = as_form_data({k: v for k, v in answers.items() if k in fields})
    # Each field is cleaned once; the engine then says which questions count.
    values: Answers = {}
    field_errors: dict[str, list[str]] = {}
    for key, field in fields.items():
        try:
            value = field.clean(field.widget.value_from_datadict(data, {}, field_name(key)))
        except ValidationError as exc:
            field_errors[key] = [str(message) for message in exc.messages]
            continue
        if value is not None:
            values[key] = value
    shown = visible_keys(m, values)
    errors.update({key: messages for key, messages in field_errors.items() if key in shown})
    if errors:
        raise ValidationError(_capped(errors))
    return {key: value for key, value in values.items() if key in shown}


def check_answer_count(model: Model, answers: Mapping[str, Any]) -> None:
    """Refuses more answers than the model has questions, before any answer is looked at.

    One answer per question is the most a valid set holds; checking the count first keeps a
    flood of made-up keys from costing a validation (and an error message) each.
    """
    limit = len(all_questions(model))
    if len(answers) > limit:
        raise ValidationError(
            {"answers": [ValidationError(TOO_MANY_ANSWERS, params={"limit": limit})]}
        )


def _capped(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The first ``MAX_ERRORS`` keys' messages, and under ``__all__`` how many were left out."""
    if len(errors) <= MAX_ERRORS:
        return errors
    shown = dict(list(errors.items())[:MAX_ERRORS])
    shown[NON_FIELD_ERRORS] = [str(MORE_ERRORS % {"count": len(errors) - MAX_ERRORS})]
    return shown
