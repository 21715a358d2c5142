from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("leads.csv", views.leads_csv, name="leads_csv"),
    path("leads/<int:pk>/", views.lead, name="lead"),
    path("leads/<int:pk>/report.pdf", views.lead_report_pdf, name="lead_report_pdf"),
    path(
        "leads/<int:pk>/share-links/<int:link_id>/revoke/",
        views.lead_share_revoke,
        name="lead_share_revoke",
    ),
    path("leads/<int:pk>/roadmap.csv", views.lead_roadmap, {"fmt": "csv"}, name="lead_roadmap_csv"),
    path("leads/<int:pk>/roadmap.md", views.lead_roadmap, {"fmt": "md"}, name="lead_roadmap_md"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("teams/<int:pk>/team.pdf", views.team_pdf, name="team_pdf"),
    path("teams/<int:pk>/roadmap.csv", views.team_roadmap, {"fmt": "csv"}, name="team_roadmap_csv"),
    path("teams/<int:pk>/roadmap.md", views.team_roadmap, {"fmt": "md"}, name="team_roadmap_md"),
    path("bookings/", views.bookings, name="bookings"),
    path("charts/", views.stats, name="charts"),
    path("rescore/", views.rescore, name="rescore"),
    path("changes/", views.changes, name="changes"),
]
