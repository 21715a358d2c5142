"""Routes of the share pages and the prospect's report, sharing and deletion pages.

Appended to ``apps.assessments.urls`` (namespace ``assessments``).
"""

from django.urls import path

from . import share_views

urlpatterns = [
    path("r/<str:token>/", share_views.shared_report, name="shared_report"),
    path("r/<str:token>/report.pdf", share_views.shared_report_pdf, name="shared_report_pdf"),
    path("assessment/<str:token>/report.pdf", share_views.report_pdf, name="report_pdf"),
    path("assessment/<str:token>/share/", share_views.share_links, name="share_links"),
    path(
        "assessment/<str:token>/share/<int:link_id>/revoke/",
        share_views.revoke_share_link,
        name="share_link_revoke",
    ),
    path("assessment/<str:token>/delete/", share_views.delete_assessment, name="delete"),
]
