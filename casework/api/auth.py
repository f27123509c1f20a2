"""Signing in for an API token and revoking it (API.md)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import tokens


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Too many failed sign-ins: this account is locked for %(minutes)d minutes from this address. "
             "Wait, or ask an administrator to unlock it.") % {"minutes": minutes}


class TokenView(APIView):
    """POST: username and password for the user's token. DELETE: revoke the token presented.

    Failed sign-ins count towards django-axes' lockout, as the sign-in page's do; a locked-out
    username and address get 429 with Retry-After, even with the right password.
    """

    def _signing_in(self) -> bool:
        return getattr(self.request, "method", None) == "POST"  # no request: the schema generator

    def get_permissions(self):
        # Only revoking needs a signed-in caller; any other method is a sign-in or a 405.
        revoking = getattr(self.request, "method", None) == "DELETE"
        return [IsAuthenticated()] if revoking else [AllowAny()]

    def get_authenticators(self):
        # Signing in needs no credentials (and must not trip over an expired token sent along).
        return [] if self._signing_in() else super().get_authenticators()

    @extend_schema(request=AuthTokenSerializer,
                   responses=inline_serializer("Token", {"token": serializers.CharField()}))
    def post(self, request):
        form = AuthTokenSerializer(data=request.data, context={"request": request})
        if not form.is_valid():
            if getattr(request, "axes_locked_out", False):  # set by axes on this request
                raise Throttled(wait=settings.AXES_COOLOFF_TIME.total_seconds(), detail=locked_out_message(),
                                code="locked_out")
            raise ValidationError(form.errors)
        user = form.validated_data["user"]
        # A sign-in like the page's: last_login, and axes clears this username's failures.
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response({"token": tokens.token_issue(user=user).key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not isinstance(request.auth, Token):
            raise ValidationError({"detail": _("Only a token sent in the Authorization header can be revoked.")})
        tokens.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
