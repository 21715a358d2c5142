from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("compare/", views.compare, name="compare"),
    path("compare/export.csv", views.compare_csv, name="compare-csv"),
    path("changes/", views.changes, name="changes"),
    path("changes/feed/", views.ChangesFeed(), name="changes-feed"),
    path("technologies/<slug:slug>/", views.technology, name="technology"),
]
