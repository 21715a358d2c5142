"""Every admin page renders for the people who use it."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse

from apps.accounts.models import CONTENT_EDITORS
from tests.catalog.factories import (
    MatrixCellFactory,
    ScenarioFactory,
    SourceFactory,
    TechnologyPointFactory,
)
from tests.faq.factories import FaqFactory

pytestmark = pytest.mark.django_db

CONTENT_APPS = ("catalog", "faq")
REGISTERED = sorted(f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry)
CONTENT = [label for label in REGISTERED if label.split(".")[0] in CONTENT_APPS]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The persona fixtures hash a password; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def content():
    """One row of every content model."""
    cell = MatrixCellFactory()
    SourceFactory(cell=cell)
    TechnologyPointFactory(technology=cell.technology, feature=cell.feature)
    ScenarioFactory(technology=cell.technology)
    FaqFactory()


@pytest.fixture
def content_editor(editor):
    """The editor persona with every catalog and FAQ permission on its group."""
    group = Group.objects.get(name=CONTENT_EDITORS)
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=CONTENT_APPS))
    return editor


def _model_admin(label: str):
    app_label, model_name = label.split(".")
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name):
            return model, model_admin
    raise LookupError(label)


def _pages(label: str, user) -> list[str]:
    """The changelist, the add page (when allowed) and, for an existing row, change and history."""
    model, model_admin = _model_admin(label)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = [reverse(f"{prefix}_changelist")]
    if model_admin.has_add_permission(request):
        urls.append(reverse(f"{prefix}_add"))
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
        urls.append(reverse(f"{prefix}_history", args=[obj.pk]))
    return urls


@pytest.mark.parametrize("label", REGISTERED)
def test_it_renders_every_admin_page_for_a_superuser(client, superuser, content, label):
    client.force_login(superuser)

    for url in _pages(label, superuser):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("label", CONTENT)
def test_it_renders_every_content_admin_page_for_an_editor(client, content_editor, content, label):
    client.force_login(content_editor)

    pages = _pages(label, content_editor)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert len(pages) == 4


def test_it_lists_the_content_models_on_the_editors_admin_index(client, content_editor):
    client.force_login(content_editor)

    response = client.get(reverse("admin:index"))

    app_labels = {app["app_label"] for app in response.context["app_list"]}
    # Engineers also edit the questionnaire, open assessment slots (booking) and curate the
    # documented deployments (cases).
    assert app_labels == {*CONTENT_APPS, "questionnaire", "booking", "cases"}


@pytest.mark.parametrize("label", CONTENT)
def test_it_refuses_content_admin_pages_to_staff_without_permissions(
    client, outsider, content, label
):
    client.force_login(outsider)
    model, _model_admin_ = _model_admin(label)

    response = client.get(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    )

    assert response.status_code == 403
