# Interim route so base.html's links resolve; the booking app's own views replace it.
from django.urls import path
from django.views.generic import TemplateView

app_name = "booking"

urlpatterns = [path("", TemplateView.as_view(template_name="404.html"), name="index")]
