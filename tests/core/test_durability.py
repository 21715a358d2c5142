"""relaxed_commit: the scoring task's commits do not wait for the disk, on PostgreSQL only."""

import pytest
from django.db import connection, transaction

from apps.core.durability import relaxed_commit


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_it_relaxes_only_the_transaction_it_is_called_in() -> None:
    if connection.vendor != "postgresql":
        with transaction.atomic():
            relaxed_commit()  # Nothing to relax: a no-op that does not fail.
        return
    before = _synchronous_commit()
    with transaction.atomic():
        relaxed_commit()
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == before == "on"


@pytest.mark.django_db(transaction=True)
def test_it_never_relaxes_an_enclosing_transaction() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    with transaction.atomic(), transaction.atomic():
        relaxed_commit()
        assert _synchronous_commit() == "on"
