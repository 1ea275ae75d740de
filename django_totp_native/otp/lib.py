"""Helpers of django-otp's ``otp_static.lib``, for these devices."""

from django.contrib.auth import get_user_model
from django.views.decorators.debug import sensitive_variables

from .models import StaticDevice, StaticToken


@sensitive_variables("token")
def add_static_token(username, token=None) -> StaticToken:
    """Add a static token (random unless given) to the user's first static device, making
    one named "Backup Code" when they have none; returns the new ``StaticToken``, whose
    ``token`` is the plaintext (only on this instance: the database keeps its digest).

    Raises the user model's DoesNotExist for an unknown username.
    """
    user = get_user_model()._default_manager.get_by_natural_key(username)
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Backup Code")
    if token is None:
        token = StaticToken.random_token()
    return device.token_set.create(token=token)
