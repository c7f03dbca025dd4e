"""The API tokens section of the staff profile page: issue one (its secret is shown on the
answer page once and kept nowhere, not even in the session's messages) and revoke one."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .api_tokens import issue_token, revoke_token
from .views import staff_required


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Integration"),
        max_length=100,
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=365, initial=90
    )


@staff_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, _("No token was issued: %(problems)s") % {"problems": problems})
        return HttpResponseRedirect(reverse("desk-profile") + "#api-tokens")
    expires_at = timezone.now() + timedelta(days=form.cleaned_data["days"])
    try:
        issued = issue_token(
            user=request.user, name=form.cleaned_data["name"], expires_at=expires_at
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("desk-profile") + "#api-tokens")
    response = render(request, "tickets/token_created.html", {"issued": issued}, status=201)
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def token_revoke(request, token_id: int):
    if not revoke_token(user=request.user, token_id=token_id):
        raise Http404
    messages.success(request, _("The token is revoked: it no longer opens the API."))
    return HttpResponseRedirect(reverse("desk-profile") + "#api-tokens")
