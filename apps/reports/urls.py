from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("assessment/<str:token>/", views.detail, name="result"),
    path("assessment/<str:token>/report.pdf", views.report_pdf, name="report_pdf"),
]
