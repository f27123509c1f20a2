"""The API's token check (DEFAULT_AUTHENTICATION_CLASSES). Its own module: DRF imports it while
`rest_framework.views` is still loading, so it must not import views."""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from casework import tokens


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the token is past API_TOKEN_TTL_DAYS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if tokens.token_is_expired(token):
            raise AuthenticationFailed(_("The token has expired; sign in again for a new one."))
        return user, token
