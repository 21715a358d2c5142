"""relaxed_commit: the scoring task's commits do not wait for the disk, on PostgreSQL only."""

import pytest
from django.db import connection, transaction

from apps.core.durability import relaxed_commit


def _synchronous_commit(condition: str = "1 = 1") -> str:
    """The setting as a statement carrying ``condition`` sees it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT current_setting('synchronous_commit') WHERE {condition}")
        return str(cursor.fetchone()[0])


def _on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")


@pytest.mark.django_db(transaction=True)
def test_a_statement_in_autocommit_relaxes_its_own_commit_only() -> None:
    _on_postgresql()
    assert _synchronous_commit(relaxed_commit()) == "off"
    assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_it_relaxes_the_rest_of_the_callers_own_transaction_only() -> None:
    _on_postgresql()
    with transaction.atomic():
        assert _synchronous_commit() == "on"
        _synchronous_commit(relaxed_commit())
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_it_never_relaxes_an_enclosing_transaction() -> None:
    _on_postgresql()
    with transaction.atomic(), transaction.atomic():
        assert _synchronous_commit(relaxed_commit()) == "on"
        assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_elsewhere_it_is_a_condition_that_holds() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the other databases' case")
    assert relaxed_commit() == "1 = 1"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 7 WHERE {relaxed_commit()}")
        assert cursor.fetchone() == (7,)
