"""PDF delivery, shared by the private, shared and dashboard pages."""

from collections.abc import Callable

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django_htmx.http import HttpResponseStopPolling

from apps.assessments.models import Assessment
from apps.core.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial

from . import pdf


def serve_report(
    request: HtmxHttpRequest,
    assessment: Assessment,
    *,
    show_contact: bool,
    back_url: str,
    on_download: Callable[[], None] | None = None,
) -> HttpResponseBase:
    """The PDF when it is ready; otherwise a page that waits for it (htmx polls this URL).

    A full page load queues the render if needed (also retrying a failed one); a poll only
    reads the state and stops polling (286) once the PDF is ready or failed.
    """
    poll = wants_partial(request)
    ready = pdf.is_report_current(assessment)
    if ready and not poll:
        name = pdf.stored_name(assessment, show_contact=show_contact)
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            pdf.forget_missing(assessment)
            ready = False
        else:
            if on_download:
                on_download()
            return FileResponse(
                handle,
                as_attachment=True,
                filename=pdf.download_filename(assessment, show_contact=show_contact),
                content_type="application/pdf",
            )
    if not ready and not poll:
        pdf.queue_render(assessment)
    failed = assessment.report_status == Assessment.ReportStatus.FAILED
    ctx = {"ready": ready, "failed": failed, "pdf_url": request.path, "back_url": back_url}
    if not poll:
        status = 202
    elif ready or failed:
        status = HttpResponseStopPolling.status_code
    else:
        status = 200
    return render_page_or_partial(
        request, "reports/download.html", "report-status", ctx, status=status
    )
