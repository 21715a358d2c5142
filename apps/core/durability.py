"""Commits that do not wait for the disk, for work a sweep would redo anyway.

A PostgreSQL commit waits until its WAL is flushed to disk: on the development machine that
is most of a scoring task's time (three commits). ``relaxed_commit()`` turns that wait off
for the current transaction only (``SET LOCAL synchronous_commit TO OFF``): the commit is
still atomic and the database stays consistent, but if the *database server* crashes, the
last moments of such commits may be lost. Use it only where a lost commit is recovered by
the work's own retry: a scoring result that vanishes leaves the row
"scoring", and the beat's sweep (``assessments.requeue_pending``) scores it again.
Visitors' own submissions are never written this way. Other databases: a no-op.
"""

from django.db import connection


def relaxed_commit() -> None:
    """Inside ``transaction.atomic()``: this transaction's commit does not wait for the disk."""
    # Only a transaction of the caller's own: never relax an enclosing one (a request's).
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
