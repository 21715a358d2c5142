import json
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from apps.catalog.models import Feature, Technology
from apps.questionnaire.models import Choice, Question, Questionnaire, RiskRule, Section, Weight

from .factories import ChoiceFactory, QuestionFactory, RiskRuleFactory, WeightFactory
from .fixture_snapshot import QUESTIONNAIRE_FIXTURE, catalog_fixture

MODELS = {
    "questionnaire.questionnaire": Questionnaire,
    "questionnaire.section": Section,
    "questionnaire.question": Question,
    "questionnaire.choice": Choice,
    "questionnaire.weight": Weight,
    "questionnaire.riskrule": RiskRule,
}
FOREIGN_KEYS = {"questionnaire", "section", "question", "choice", "condition_question"}
NATURAL_KEYS = {"option": Technology, "feature": Feature}


def bulk_load_questionnaire() -> Questionnaire:
    """The questionnaire fixture in a handful of queries (loaddata takes ~1,000).

    ``test_services`` proves with real ``loaddata`` that both paths give the same snapshot.
    """
    slugs = {
        model: dict(model.objects.values_list("slug", "id")) for model in NATURAL_KEYS.values()
    }
    rows = defaultdict(list)
    risk_choices = []
    for row in json.loads(QUESTIONNAIRE_FIXTURE.read_text()):
        fields = {}
        for name, value in row["fields"].items():
            if name in FOREIGN_KEYS:
                fields[f"{name}_id"] = value
            elif name in NATURAL_KEYS:
                fields[f"{name}_id"] = slugs[NATURAL_KEYS[name]][value[0]] if value else None
            elif name == "choices":
                risk_choices += [(row["pk"], choice) for choice in value]
            else:
                fields[name] = value
        rows[row["model"]].append(MODELS[row["model"]](pk=row["pk"], **fields))
    for label, model in MODELS.items():
        model.objects.bulk_create(rows[label])
    RiskRule.choices.through.objects.bulk_create(
        [RiskRule.choices.through(riskrule_id=r, choice_id=c) for r, c in risk_choices]
    )
    # Explicit primary keys do not advance PostgreSQL sequences; later inserts must not clash.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS.values())):
            cursor.execute(sql)
    return Questionnaire.objects.get(slug="hpc-orchestration")


@pytest.fixture
def catalog(db):
    """Technologies and features: the real catalog fixture, or the test stand-in."""
    call_command("loaddata", str(catalog_fixture()), verbosity=0)


@pytest.fixture
def fixture_questionnaire(catalog):
    """The real questionnaire fixture (fixtures/040_questionnaire.json) in the database."""
    return bulk_load_questionnaire()


@pytest.fixture
def small_questionnaire(db):
    """One question with two answers, a Slurm and a Kubernetes weight, and a risk rule."""
    question = QuestionFactory(key="interconnect", allow_unknown=True)
    infiniband = ChoiceFactory(question=question, key="infiniband", label="InfiniBand")
    ethernet = ChoiceFactory(question=question, key="ethernet", label="Ethernet")
    WeightFactory(choice=infiniband, option__slug="slurm", points=3)
    WeightFactory(choice=ethernet, option__slug="kubernetes", points=2)
    RiskRuleFactory(
        questionnaire=question.section.questionnaire, title="Latency", choices=[infiniband]
    )
    return question.section.questionnaire
