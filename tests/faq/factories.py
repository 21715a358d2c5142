import factory
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from apps.faq.models import Faq, FaqCategory


class FaqCategoryFactory(DjangoModelFactory):
    class Meta:
        model = FaqCategory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    order = factory.Sequence(int)


class FaqFactory(DjangoModelFactory):
    class Meta:
        model = Faq

    category = factory.SubFactory(FaqCategoryFactory)
    question = factory.Sequence(lambda n: f"Question number {n}?")
    slug = factory.LazyAttribute(lambda o: slugify(o.question))
    answer = "An answer with **emphasis**."
    order = factory.Sequence(int)
    published = True


def make_faqs(*, count: int, category: FaqCategory, start: int = 0) -> list[Faq]:
    """Many published questions in one category, inserted in bulk."""
    return Faq.objects.bulk_create(
        Faq(
            category=category,
            question=f"Bulk question {number}?",
            slug=f"bulk-question-{number}",
            answer=f"Answer {number}.",
            order=number,
        )
        for number in range(start, start + count)
    )
