"""Not assessed is no rating; a verification date is only kept where it records a check.

Schema: ratings may be null (not assessed); a cell records who verified it and against which of
its sources. Data (issue 13): the cells whose text says they were not assessed (including
Slurm-on-Kubernetes node scale, "rated conservatively"), and the unmeasured Slurm-on-Kubernetes
network latency, lose their rating; Kubernetes GPU sharing comes
from the GPU Operator and KAI add-ons, so it is Strong, not Native (built in); the shared
"last verified" dates that were a repository snapshot (2026-08-20), and the 2025-06-01 dates
of cells without any source, were never checks and become unknown.
"""

import datetime

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# (feature, technology) of cells rated although their text says they were not assessed.
NOT_ASSESSED = [
    ("preemption", "flux"),
    ("gpu-sharing", "flux"),
    ("metrics-health", "flux"),
    ("reservations", "kubernetes"),
    ("mlops-integration", "slurm"),
    ("network-latency", "slurm-on-kubernetes"),
    # "Not assessed for the operators ... rated conservatively": a gap, not a rating.
    ("node-scale", "slurm-on-kubernetes"),
]
NATIVE, STRONG = 4, 3
SNAPSHOT_DATE = datetime.date(2026, 8, 20)
UNSOURCED_DATE = datetime.date(2025, 6, 1)


def make_content_honest(apps, schema_editor):
    MatrixCell = apps.get_model("catalog", "MatrixCell")
    cells = MatrixCell.objects.all()
    for feature, technology in NOT_ASSESSED:
        cells.filter(feature__slug=feature, technology__slug=technology).update(rating=None)
    cells.filter(feature__slug="gpu-sharing", technology__slug="kubernetes", rating=NATIVE).update(
        rating=STRONG
    )
    cells.filter(last_verified=SNAPSHOT_DATE).update(last_verified=None)
    cells.filter(last_verified=UNSOURCED_DATE, sources__isnull=True).update(last_verified=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_technology_colour_hex"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmatrixcell",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="verified by",
            ),
        ),
        migrations.AddField(
            model_name="matrixcell",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="verified by",
            ),
        ),
        migrations.AddField(
            model_name="matrixcell",
            name="verified_sources",
            field=models.ManyToManyField(
                blank=True,
                help_text="The cell's sources the last check was made against.",
                related_name="verifications",
                to="catalog.source",
                verbose_name="verified against",
            ),
        ),
        migrations.AlterField(
            model_name="historicalmatrixcell",
            name="last_verified",
            field=models.DateField(blank=True, null=True, verbose_name="verified on"),
        ),
        migrations.AlterField(
            model_name="historicalmatrixcell",
            name="rating",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[
                    (None, "Not assessed"),
                    (4, "Native"),
                    (3, "Strong"),
                    (2, "With add-ons"),
                    (1, "Weak"),
                    (0, "Unsupported"),
                ],
                help_text="Empty means not assessed. Native means built in, without add-ons.",
                null=True,
                verbose_name="rating",
            ),
        ),
        migrations.AlterField(
            model_name="matrixcell",
            name="last_verified",
            field=models.DateField(blank=True, null=True, verbose_name="verified on"),
        ),
        migrations.AlterField(
            model_name="matrixcell",
            name="rating",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[
                    (None, "Not assessed"),
                    (4, "Native"),
                    (3, "Strong"),
                    (2, "With add-ons"),
                    (1, "Weak"),
                    (0, "Unsupported"),
                ],
                help_text="Empty means not assessed. Native means built in, without add-ons.",
                null=True,
                verbose_name="rating",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalMatrixCell_verified_sources",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="catalog.historicalmatrixcell",
                    ),
                ),
                (
                    "matrixcell",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="catalog.matrixcell",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="catalog.source",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalMatrixCell_verified_sources",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(make_content_honest, migrations.RunPython.noop),
    ]
