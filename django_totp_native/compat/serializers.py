"""django-totp's ``serializers`` names that the app's own serializers do not use."""

from ..serializers import TotpRecoveryConfirmSerializer
from . import lazy_names

__all__ = ["TotpRecoverySerializer"]

#: django-totp's name of the recovery-confirm serializer.
TotpRecoverySerializer = TotpRecoveryConfirmSerializer


def _login_serializer():
    from django.contrib.auth import get_user_model

    from ..serializers import jwt_create_serializer_class

    return jwt_create_serializer_class(get_user_model().USERNAME_FIELD)


#: django-totp's login serializer, built for the current user model's USERNAME_FIELD.
LAZY_NAMES = {"JWTCreateSerializer": _login_serializer}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
