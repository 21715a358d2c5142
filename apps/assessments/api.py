from django.urls import path  # noqa: F401

from . import share_api

urlpatterns: list = []
urlpatterns += share_api.urlpatterns
