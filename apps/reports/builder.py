"""The one report of an assessment, rendered by every page that shows it and by the PDF."""

from typing import Any

from apps.assessments.models import Assessment

from .charts import report_charts


def report_context(assessment: Assessment, *, show_contact: bool) -> dict[str, Any]:
    """What ``assessments/_report.html`` needs (the contract: assessment, result, charts…)."""
    result = assessment.result or {}
    options = (
        assessment.scoring_model.snapshot.get("options", []) if assessment.scoring_model else []
    )
    return {
        "assessment": assessment,
        "result": result,
        "charts": report_charts(result, options),
        "show_contact": show_contact,
    }
