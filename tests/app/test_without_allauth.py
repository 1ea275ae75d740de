"""The package imports and works where django-allauth's mfa app is not installed (the
shared test settings): only reaching for the adapter says what is missing."""

import importlib

import pytest
from django.core.management import call_command


def test_the_integration_package_imports_without_allauth_mfa():
    package = importlib.import_module("django_totp_native.allauth")
    sealing = importlib.import_module("django_totp_native.allauth.sealing")
    assert sealing.unseal("JBSWY3DPEHPK3PXP") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(ImportError, match="allauth.mfa"):
        package.MFAAdapter


def test_the_sealed_form_opens_without_allauth():
    from django_totp_native.allauth import sealing

    sealed = sealing.seal("JBSWY3DPEHPK3PXP")
    assert sealing.is_sealed(sealed) and "JBSWY3DPEHPK3PXP" not in sealed
    assert sealing.unseal(sealed) == "JBSWY3DPEHPK3PXP"


@pytest.mark.django_db
def test_rotation_and_checks_are_unchanged_without_the_app():
    call_command("check")
    call_command("rotate_totp_keys", verbosity=0)
