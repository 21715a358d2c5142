# Interim route so base.html's links resolve; the dashboard app's own views replace it.
from django.urls import path
from django.views.generic import TemplateView

app_name = "dashboard"

urlpatterns = [path("", TemplateView.as_view(template_name="404.html"), name="index")]
