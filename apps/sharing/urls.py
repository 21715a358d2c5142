from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("r/<str:token>/", views.shared_report, name="shared_report"),
    path("r/<str:token>/report.pdf", views.shared_report_pdf, name="shared_report_pdf"),
    path("assessment/<str:token>/share/", views.share_links, name="share_links"),
    path(
        "assessment/<str:token>/share/<int:link_id>/revoke/",
        views.revoke_share_link,
        name="share_link_revoke",
    ),
]
