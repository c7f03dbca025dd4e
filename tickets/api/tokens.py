"""API tokens over HTTP: the log-in exchange (`POST /api/auth/token/`) and each staff
member's own list (`/api/tokens/`). The `Authorization` check is in `authentication.py`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..api_tokens import issue_token, revoke_token, user_tokens
from ..login import TokenSerializer
from ..ratelimit import LimitThrottle

LOGIN_TOKEN_NAME = "API login"  # noqa: S105 # nosec B105 (a label, not a secret)


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The secret's first characters, to tell tokens apart.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class IssuedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The secret: shown only in this answer.")


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="The integration that uses it.")
    expires_at = serializers.DateTimeField(
        required=False, help_text="Default: 90 days from now; at most 365 days."
    )


class LoginTokenSerializer(TokenSerializer):
    name = serializers.CharField(max_length=100, required=False)
    expires_at = serializers.DateTimeField(required=False)


def _issued(user, name: str, expires_at) -> dict:
    try:
        issued = issue_token(user=user, name=name, expires_at=expires_at)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None
    return IssuedTokenSerializer(
        {**ApiTokenSerializer(issued.token).data, "token": issued.secret}
    ).data


class TokenView(APIView):
    """`POST {username, password[, name, expires_at]}` → a new token (the secret in `token`,
    shown once); rate-limited per client address and locked per username and address after
    repeated failures (tickets.lockout)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (LimitThrottle,)
    throttle_scope = "token"

    @extend_schema(request=LoginTokenSerializer, responses={200: IssuedTokenSerializer})
    def post(self, request):
        serializer = LoginTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body = _issued(data["user"], data.get("name") or LOGIN_TOKEN_NAME, data.get("expires_at"))
        return Response(body)


class TokenListView(APIView):
    """The caller's own tokens (never their secrets), and a new one."""

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request):
        return Response(ApiTokenSerializer(user_tokens(request.user), many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: IssuedTokenSerializer})
    def post(self, request):
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body = _issued(request.user, data["name"], data.get("expires_at"))
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    """Revoke one of the caller's own tokens; another's is 404, as if it did not exist."""

    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        if not revoke_token(user=request.user, token_id=token_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
