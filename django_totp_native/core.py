"""The native core's Python surface: the objects of ``_core``, re-exported unchanged.

No wrapper layer sits on the hot paths; ``_core.pyi`` types them. See ARCHITECTURE.md
("The native core") for the contract and docs/core.md for examples.
"""

try:
    from django_totp_native import _core
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "django_totp_native._core (the compiled core) could not be imported: "
        f"{exc}. Build it with `make build` in a source checkout, or `pip install .` "
        "(needs g++, CMake, libssl-dev, libqrencode-dev, zlib1g-dev and pkg-config)."
    ) from exc

from django_totp_native._core import (  # noqa: E402
    ExpiredToken,
    Fernet,
    InvalidToken,
    MultiFernet,
    NativeError,
    b32decode,
    b32encode,
    backup_code_digest,
    backup_code_digest_sealed,
    constant_time_equal,
    generate_backup_codes,
    hotp,
    normalize_backup_code,
    provisioning_uri,
    qr_png,
    qr_svg,
    random_bytes,
    random_secret,
    sign_challenge,
    totp,
    totp_match,
    totp_match_sealed,
    verify_challenge,
)

__all__ = [
    "ExpiredToken",
    "Fernet",
    "InvalidToken",
    "MultiFernet",
    "NativeError",
    "b32decode",
    "b32encode",
    "backup_code_digest",
    "backup_code_digest_sealed",
    "constant_time_equal",
    "generate_backup_codes",
    "hotp",
    "normalize_backup_code",
    "provisioning_uri",
    "qr_png",
    "qr_svg",
    "random_bytes",
    "random_secret",
    "sign_challenge",
    "totp",
    "totp_match",
    "totp_match_sealed",
    "verify_challenge",
]
