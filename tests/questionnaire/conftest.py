import pytest
from django.core.management import call_command

from .factories import ChoiceFactory, QuestionFactory, RiskRuleFactory, WeightFactory
from .fixture_snapshot import QUESTIONNAIRE_FIXTURE, catalog_fixture


@pytest.fixture
def fixture_questionnaire(db):
    """The real questionnaire fixture over the catalog (the real one, or a test stand-in)."""
    from apps.questionnaire.models import Questionnaire

    call_command("loaddata", str(catalog_fixture()), str(QUESTIONNAIRE_FIXTURE), verbosity=0)
    return Questionnaire.objects.get(slug="hpc-orchestration")


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
