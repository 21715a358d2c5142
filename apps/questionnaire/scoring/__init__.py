"""The scoring engine: plain Python, no Django, no I/O.

It takes a scoring model (a snapshot built by ``services.build_snapshot``, best compiled once:
``services.compiled_model`` keeps the compiled form of each published version) and a
prospect's answers, and returns a JSON-safe result (``contracts.Result``): fits per option, the
recommendation with its confidence, the contributions that explain it, the risks that apply, a
sensitivity analysis and what-if series.

- ``model``: the compiled model (``compile_model``, ``CompiledModel``).
- ``answers``: which questions show for some answers (``visible_questions``, ``clean_answers``).
- ``engine``: ``score`` and its rules.
- ``explain``: confidence, close calls, contributions, risks and labels.

Every public function takes a ``CompiledModel`` or a snapshot, which it then compiles afresh.
Checking answers with messages is the answer forms' job (``apps.questionnaire.forms``).
"""

from .answers import Answers, clean_answers, visible_questions
from .engine import score
from .explain import (
    CLEAR_MARGIN,
    CLOSE_CALL_MARGIN,
    HIGH_CONFIDENCE,
    HYBRID,
    MEDIUM_CONFIDENCE,
    PURE_OPTIONS,
    Gettext,
)
from .model import UNKNOWN, CompiledModel, compile_model, compiled

__all__ = [
    "CLEAR_MARGIN",
    "CLOSE_CALL_MARGIN",
    "HIGH_CONFIDENCE",
    "HYBRID",
    "MEDIUM_CONFIDENCE",
    "PURE_OPTIONS",
    "UNKNOWN",
    "Answers",
    "CompiledModel",
    "Gettext",
    "clean_answers",
    "compile_model",
    "compiled",
    "score",
    "visible_questions",
]
