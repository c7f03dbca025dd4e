"""The `Authorization: Token <secret>` check (REST_FRAMEWORK's authentication classes).

Kept apart from the views: DRF imports its authentication classes while it is loading
`rest_framework.views` itself.
"""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from ..api_tokens import token_for_secret


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <secret>`, as before, checked against the stored digests;
    an expired or revoked token, or one of a deactivated user, is refused (401)."""

    def authenticate_credentials(self, key):
        token = token_for_secret(key)
        if token is None:
            raise AuthenticationFailed("Invalid or expired token.")
        return (token.user, token)
