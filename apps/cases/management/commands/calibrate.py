"""Scores every published case with a scoring-model version and reports how often it agrees."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.cases.calibration import Calibration, calibrate
from apps.questionnaire.models import ScoringModel
from apps.questionnaire.services import latest_model


class Command(BaseCommand):
    help = (
        "Score every published case's sourced answers with a scoring-model version; print each "
        "case's chosen option, its rank and margin, and last `top1=0.NN top2=0.NN cases=N`."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Our --version names a scoring-model version; it replaces Django's own --version.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--version", dest="model_version", type=int, help="Model version (default: latest)."
        )
        parser.add_argument(
            "--min-top1",
            type=float,
            help="Exit with status 1 when the top-1 rate is below this (0 to 1).",
        )

    def handle(self, *args: object, **options: object) -> None:
        model = self._model(options["model_version"])
        result = calibrate(model=model)
        self._print(result)
        minimum = options["min_top1"]
        if isinstance(minimum, float) and result.top1 < minimum:
            raise CommandError(
                f"top-1 {result.top1:.2f} is below the required {minimum:.2f}", returncode=1
            )

    def _model(self, version: object) -> ScoringModel:
        if not isinstance(version, int):
            model = latest_model()
            if model is None:
                raise CommandError("No scoring model is published yet.")
            return model
        found = ScoringModel.objects.filter(version=version).first()
        if found is None:
            raise CommandError(f"There is no scoring-model version {version}.")
        return found

    def _print(self, result: Calibration) -> None:
        self.stdout.write(f"Scoring model v{result.version}")
        width = max([len(row.slug) for row in result.rows] + [4])
        self.stdout.write(f"{'case':<{width}}  {'chose':<20} {'rank':>4} {'margin':>7}  first")
        for row in result.rows:
            rank = str(row.rank) if row.rank is not None else "-"
            self.stdout.write(
                f"{row.slug:<{width}}  {row.chose:<20} {rank:>4} {row.margin:>+7.1f}  "
                f"{row.recommendation or '-'}"
            )
        self.stdout.write(result.summary())
