"""Routes auth (and DRF's tokens), sessions, the admin log and every 2FA model to "accounts"."""

ROUTED = {"auth", "authtoken", "contenttypes", "sessions", "admin", "django_totp_native",
          # django-otp's devices and ours (installed where django-otp is)
          "otp_native", "otp_totp", "otp_static"}


class AccountsRouter:
    def db_for_read(self, model, **hints):
        return "accounts" if model._meta.app_label in ROUTED else None

    def db_for_write(self, model, **hints):
        return "accounts" if model._meta.app_label in ROUTED else None

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == "accounts" if app_label in ROUTED else db == "default"
