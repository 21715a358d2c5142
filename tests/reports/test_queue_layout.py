"""PDF renders have a queue of their own, so a burst of scoring never waits behind them."""

from pathlib import Path

from django.conf import settings

from config.celery import app


def _queue(task_name: str) -> str:
    return str(app.amqp.router.route({}, task_name, (), {})["queue"].name)


def test_renders_go_to_the_reports_queue_and_scoring_stays_on_the_default_one() -> None:
    assert _queue("reports.render_report") == settings.REPORTS_QUEUE == "reports"
    assert _queue("assessments.score") == app.conf.task_default_queue == "celery"


def test_the_procfile_runs_a_worker_per_queue() -> None:
    lines = dict(
        line.split(": ", 1)
        for line in (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines()
        if line
    )

    assert "-Q celery " in lines["worker"]
    assert "-Q reports " in lines["reports"]
    assert lines["reports"].startswith("nice -n 10 ")
