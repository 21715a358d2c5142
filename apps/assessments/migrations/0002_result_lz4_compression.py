"""The stored results are compressed with LZ4 instead of PostgreSQL's default pglz.

A result is about 28 KB of JSON, so PostgreSQL compresses it out of line (TOAST) on every
scoring and decompresses it on every read of the row's result. LZ4 does both several times
faster for the same kind of text (PostgreSQL 14 or later, built with LZ4 as Debian's is). Only
values written from now on are affected; older ones are read as they were stored. Nothing to do
on SQLite.
"""

from django.db import migrations

COLUMNS = ("result", "previous_result")


def _lz4_available(schema_editor) -> bool:
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        return cursor.fetchone() is not None


def _set_compression(method: str):
    def change(apps, schema_editor) -> None:
        if not _lz4_available(schema_editor):
            return
        table = schema_editor.quote_name(apps.get_model("assessments", "Assessment")._meta.db_table)
        clauses = ", ".join(
            f"ALTER COLUMN {schema_editor.quote_name(column)} SET COMPRESSION {method}"
            for column in COLUMNS
        )
        schema_editor.execute(f"ALTER TABLE {table} {clauses}")

    return change


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [
        migrations.RunPython(_set_compression("lz4"), _set_compression("pglz"), elidable=False),
    ]
