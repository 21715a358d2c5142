"""Reports what in the knowledge base does not mean what it says; exit status 1 if anything."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.faq.content_checks import check_content


class Command(BaseCommand):
    help = (
        "Check the knowledge base: rated cells without a source or whose text says they were "
        "not assessed, malformed source URLs or pages of another product's documentation, "
        "ratings off the scale, scenarios and FAQs that contradict a cell. Prints one line "
        "per finding and the count; exits with status 1 when there is any."
    )

    def handle(self, *args: object, **options: object) -> None:
        findings = check_content()
        for finding in findings:
            self.stdout.write(str(finding))
        if findings:
            count = ngettext(
                "%(count)d finding in the content.",
                "%(count)d findings in the content.",
                len(findings),
            ) % {"count": len(findings)}
            raise CommandError(count, returncode=1)
        self.stdout.write(self.style.SUCCESS(_("0 findings: the content is consistent.")))
