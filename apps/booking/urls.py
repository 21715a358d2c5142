from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("", views.index, name="index"),
    path("slot/<int:slot_id>/", views.slot, name="slot"),
    path("book/", views.book, name="book"),
    path("confirmed/<str:token>/", views.confirmed, name="confirmed"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/cancel/", views.cancel, name="cancel"),
    path("manage/<str:token>/reschedule/", views.reschedule, name="reschedule"),
]
