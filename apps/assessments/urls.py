from django.urls import path

from apps.assessments import views

app_name = "assessments"

urlpatterns = [
    path("assessment/", views.start, name="start"),
    path("assessment/<str:token>/retry/", views.retry, name="retry"),
    path("assessment/<str:token>/step/<int:n>/", views.step, name="step"),
    path(
        "assessment/<str:token>/step/<int:n>/questions/",
        views.step_questions,
        name="step_questions",
    ),
    path("assessment/<str:token>/delete/", views.delete_assessment, name="delete"),
]
