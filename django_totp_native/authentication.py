"""DRF authentication for a project's own views (needs SimpleJWT: the [jwt] extra).

``JWTAuthentication`` is SimpleJWT's, plus the credential generation of
``services.credentials``: a token issued before the user's 2FA was turned off, reset by
an administrator or recovered by e-mail is refused (401 ``totp_credential_revoked``), as
this app's own endpoints refuse it. Put it in place of SimpleJWT's class::

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "django_totp_native.authentication.JWTAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
    }
"""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from rest_framework_simplejwt import authentication as simplejwt_authentication

from .permissions import CredentialRevoked
from .services import credentials


class JWTAuthentication(simplejwt_authentication.JWTAuthentication):
    """SimpleJWT's JWTAuthentication that also refuses tokens ended by a change of 2FA."""

    @sensitive_variables("validated_token")
    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if not credentials.token_is_current(getattr(validated_token, "payload", None), user.pk):
            raise CredentialRevoked()
        return user
