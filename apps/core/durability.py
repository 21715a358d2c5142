"""Commits that do not wait for the disk, for work a sweep would redo anyway.

A PostgreSQL commit waits until its WAL is flushed to disk. ``relaxed_commit()`` turns that
wait off for one transaction only (``synchronous_commit`` set locally): the commit is still
atomic and the database stays consistent, but if the *database server* crashes, the last
moments of such commits may be lost. Use it only where a lost commit is recovered by the
work's own retry: a scoring claim or result that vanishes leaves the row "pending" or
"scoring", and the beat's sweep (``assessments.requeue_pending``) scores it again. Visitors'
own submissions are never written this way. Other databases: nothing changes.

The setting travels inside a statement of fixed text (``set_config`` in its condition), not as
a ``SET`` of its own: that was one round trip more on every scoring.
"""

from django.db import connection


def relaxed_commit() -> str:
    """A condition, true for every row, to AND into the WHERE clause of a statement of fixed
    text: the commit of the transaction the statement runs in does not wait for the disk.

    The transaction must be the caller's own: the statement's own in autocommit, or the
    outermost ``atomic()`` block. Inside an enclosing transaction (a request's, a test's) the
    condition relaxes nothing, as it does on other databases.
    """
    # No atomic block: the statement's own transaction; one: the caller's outermost.
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) <= 1:
        # ``set_config(…, true)`` is ``SET LOCAL``: it ends with the transaction.
        return "set_config('synchronous_commit', 'off', true) IS NOT NULL"
    return "1 = 1"
