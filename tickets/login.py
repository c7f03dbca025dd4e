"""The three ways staff log in, each saying clearly when a username is locked out
(tickets.lockout) instead of the usual "wrong username or password"."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from . import lockout


class LockoutMixin:
    """For Django's authentication forms: check the lock before the password."""

    locked_message = ""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            seconds = lockout.seconds_locked(self.request, username)
            if seconds:
                self.locked_message = lockout.locked_message(seconds)
                raise ValidationError(self.locked_message, code="locked")
        return super().clean()


class LoginForm(LockoutMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm


class TokenSerializer(AuthTokenSerializer):
    def validate(self, attrs):
        request = self.context.get("request")
        username = attrs.get("username")
        if username and request is not None:
            seconds = lockout.seconds_locked(request, username)
            if seconds:
                raise serializers.ValidationError(lockout.locked_message(seconds), code="locked")
        return super().validate(attrs)
