"""Create or reset the demo superuser with a fresh random password, then print how to try the demo."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create (or reset) the superuser 'demo' with a new random password and print the URLs to try."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--base-url", help="Where the demo is served (default: PROTOCOL://DOMAIN from the settings).")

    def handle(self, *args, username, base_url, **options):
        from django_totp_native.services import management

        User = get_user_model()
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user, created = User._default_manager.get_or_create(
                **{User.USERNAME_FIELD: username}, defaults={"email": f"{username}@example.com"}
            )
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save()
        status = management.status_of(user)
        base = (base_url or f"{settings.PROTOCOL}://{settings.DOMAIN}").rstrip("/")
        out = self.stdout.write
        out("")
        out(f"Demo superuser {'created' if created else 'reset'}:  username {username}   password {password}")
        if status.state == management.ENABLED:
            out("  2FA is on for this user: sign in with the password, then a code from your app (or a backup code).")
        out("")
        out("Try:")
        out(f"  {base}/                          home page: your 2FA state and links to every flow")
        out(f"  {base}/accounts/signup/          create an ordinary account and set up 2FA with it")
        out(f"  {base}/accounts/login/           sign in (password, then the code page)")
        out(f"  {base}/account/2fa/enroll/       set up 2FA: QR code (SVG, PNG) and key")
        out(f"  {base}/account/2fa/              2FA settings: backup codes, regenerate, turn off")
        out(f"  {base}/account/2fa/recovery/     lost device: recovery e-mail (printed on this console)")
        out(f"  {base}/protected/                a page that needs a verified session (@otp_required)")
        out(f"  {base}/admin/                    admin with the code step; 2FA column and actions in Users")
        out(f"  {base}/api/totp/create/          REST API (also /api/jwt/create/ for the JWT login)")
        out("")
