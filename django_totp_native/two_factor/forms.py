"""The setup form of our ``generator`` method: two-factor-auth's, saving our device."""

from django.views.decorators.debug import sensitive_variables
from two_factor.forms import TOTPDeviceForm

from ..otp.models import TOTPDevice


class NativeTOTPDeviceForm(TOTPDeviceForm):
    """two-factor-auth's TOTPDeviceForm (the same fields, checks and wizard metadata);
    ``save`` creates ``django_totp_native.otp.TOTPDevice``, whose key is sealed on the way in."""

    @sensitive_variables()
    def save(self):
        return TOTPDevice.objects.create(
            user=self.user, key=self.key, tolerance=self.tolerance, t0=self.t0, step=self.step,
            drift=self.drift, digits=self.digits, name="default",
        )
