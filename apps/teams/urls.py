from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("assessment/<str:token>/team/new/", views.create, name="create"),
    path("assessment/<str:token>/team/", views.member, name="member"),
    path("assessment/<str:token>/team/leave/", views.leave, name="leave"),
    path(
        "assessment/<str:token>/team/roadmap.csv",
        views.member_roadmap,
        {"fmt": "csv"},
        name="member_roadmap_csv",
    ),
    path(
        "assessment/<str:token>/team/roadmap.md",
        views.member_roadmap,
        {"fmt": "md"},
        name="member_roadmap_md",
    ),
    path(
        "assessment/<str:token>/roadmap.csv",
        views.assessment_roadmap,
        {"fmt": "csv"},
        name="assessment_roadmap_csv",
    ),
    path(
        "assessment/<str:token>/roadmap.md",
        views.assessment_roadmap,
        {"fmt": "md"},
        name="assessment_roadmap_md",
    ),
    path("team/join/<str:invite>/", views.join, name="join"),
    path("team/<str:token>/", views.team, name="team"),
    path("team/<str:token>/invite/", views.invite, name="invite"),
    path("team/<str:token>/sections/", views.sections, name="sections"),
    path("team/<str:token>/members/<int:member_id>/remove/", views.remove, name="remove"),
    path("team/<str:token>/delete/", views.delete, name="delete"),
    path("team/<str:token>/roadmap.csv", views.roadmap, {"fmt": "csv"}, name="roadmap_csv"),
    path("team/<str:token>/roadmap.md", views.roadmap, {"fmt": "md"}, name="roadmap_md"),
    path("team/<str:token>/team.pdf", views.pdf, name="pdf"),
]
