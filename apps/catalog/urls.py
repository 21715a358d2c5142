# Interim route so base.html's links resolve; the catalog app's own views replace it.
from django.urls import path
from django.views.generic import TemplateView

app_name = "catalog"

urlpatterns = [
    path("", TemplateView.as_view(template_name="404.html"), name="home"),
    path("compare/", TemplateView.as_view(template_name="404.html"), name="compare"),
]
