"""Factories for questionnaire rows; the catalog rows they point at come from tests.catalog."""

import factory
from factory.django import DjangoModelFactory

from apps.questionnaire.models import (
    Choice,
    Question,
    Questionnaire,
    RiskRule,
    Section,
    Weight,
)
from tests.catalog.factories import TechnologyFactory


class QuestionnaireFactory(DjangoModelFactory):
    class Meta:
        model = Questionnaire

    slug = factory.Sequence(lambda n: f"questionnaire-{n}")
    title = "Which orchestration layer?"
    intro = "Answer what you know."


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    order = factory.Sequence(int)


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    key = factory.Sequence(lambda n: f"question_{n}")
    text = factory.LazyAttribute(lambda o: f"What about {o.key}?")
    help_text = "See [the docs](https://slurm.schedmd.com/overview.html)."
    kind = Question.Kind.SINGLE
    order = factory.Sequence(int)


class ChoiceFactory(DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    key = factory.Sequence(lambda n: f"choice_{n}")
    label = factory.LazyAttribute(lambda o: o.key.title())
    order = factory.Sequence(int)


class WeightFactory(DjangoModelFactory):
    class Meta:
        model = Weight

    choice = factory.SubFactory(ChoiceFactory)
    option = factory.SubFactory(TechnologyFactory, slug="slurm")
    points = 2
    rationale = "Because it fits."


class RiskRuleFactory(DjangoModelFactory):
    class Meta:
        model = RiskRule
        skip_postgeneration_save = True

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    level = RiskRule.Level.HIGH
    title = "A risk"
    description = "What can go wrong."
    improvement = "What to do."

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if create and extracted:
            self.choices.set(extracted)
