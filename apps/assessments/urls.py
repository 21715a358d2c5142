from django.urls import path

from apps.assessments import views

from . import share_urls

app_name = "assessments"

urlpatterns = [
    path("assessment/", views.start, name="start"),
    path("assessment/<str:token>/", views.detail, name="detail"),
    path("assessment/<str:token>/retry/", views.retry, name="retry"),
    path("assessment/<str:token>/step/<int:n>/", views.step, name="step"),
    path(
        "assessment/<str:token>/step/<int:n>/questions/",
        views.step_questions,
        name="step_questions",
    ),
]
urlpatterns += share_urls.urlpatterns
