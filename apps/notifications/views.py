"""The Sales user's notification preferences page (under the dashboard)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.core.htmx import HtmxHttpRequest

from .forms import PreferenceForm
from .models import NotificationPreference


def _get_preference_for_user(user: User) -> NotificationPreference:
    """The user's preferences; unsaved defaults until they save the form once."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HtmxHttpRequest) -> HttpResponseBase:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not isinstance(user, User) or not user.is_sales():
        raise PermissionDenied
    pref = _get_preference_for_user(user)
    form = PreferenceForm(request.POST or None, instance=pref)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notifications:preferences")
    ctx = {"form": form, "email": user.email}
    status = 400 if form.errors else 200
    return _render(request, ctx, status)


def _render(request: HtmxHttpRequest, ctx: dict[str, object], status: int) -> HttpResponse:
    return render(request, "notifications/preferences.html", ctx, status=status)
