"""The scoring-model versions the starting content ships with.

``fixtures/045_scoring_model_v1.json`` holds version 1 exactly as it was published, so the
assessments scored with it keep their version and ``manage.py calibrate --version 1`` still
measures it. ``fixtures/040_questionnaire.json`` is the draft of the newest shipped version,
which ``manage.py seed`` publishes through the normal publish step (calibrated against the
case library beside the current version, its diff visible in the admin) on a site that has no
version that new yet. A site whose editors have published further versions is left alone.
"""

from django.utils.translation import gettext as _

from apps.cases.calibration import calibration_check
from apps.questionnaire.models import Questionnaire, ScoringModel
from apps.questionnaire.services import INITIAL_QUESTIONNAIRE, build_snapshot, publish, unchanged

SHIPPED_VERSION = 2


def shipped_summary() -> str:
    return _(
        "Version 2. Fit is measured over the questions answered with a weighted choice: skipped, "
        "don't-know and no-need answers (no reservations, no accounting, first come first "
        "served…) no longer favour any option. Needs are scored as each option's gap to the "
        "best. MPI counts through the workload and MPI share; interconnect and latency score "
        "the network path. A million jobs a day is scored as a scheduling rate. Object storage "
        "and NFS favour no option. Only Kubernetes gains from neutral governance. Leaving "
        "Slurm costs Flux too. Slurm on Kubernetes needs Kubernetes skills (new high risk), "
        "inherits Kubernetes' node limits and its operators are young (new medium risk); a "
        "high risk of the recommended option caps the confidence at medium. Each weight "
        "carries its reason."
    )


def publish_shipped_version() -> ScoringModel | None:
    """Publish the shipped draft as the next version while the newest published one is older
    than ``SHIPPED_VERSION``; the case library must be loaded first (the publish step
    calibrates against it and refuses a draft that ranks fewer documented choices first)."""
    latest = ScoringModel.objects.latest_published()
    if latest is None or latest.version >= SHIPPED_VERSION:
        return None
    questionnaire = Questionnaire.objects.filter(
        slug=INITIAL_QUESTIONNAIRE
    ).first() or Questionnaire.objects.get(pk=latest.questionnaire_id)
    if unchanged(latest, build_snapshot(questionnaire)):
        # Published already (e.g. as version 1 on a site that started from this draft).
        return None
    return publish(
        questionnaire=questionnaire,
        user=None,
        summary=shipped_summary(),
        check=calibration_check(reason=""),
    )
