"""django-totp's ``qrsvg``: QR rendering, an SVG document drawn by the native core."""

from .. import core

__all__ = ["render_qr_code_svg"]


def render_qr_code_svg(data: str) -> str:
    """An SVG image of ``data`` as a QR code (one path, opaque background, byte-exact data)."""
    return core.qr_svg(data)
