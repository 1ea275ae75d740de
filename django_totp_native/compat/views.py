"""django-totp's ``views`` names that live elsewhere here: its JWT login views.

They are in ``jwt_views``, which needs SimpleJWT (the [jwt] extra), so ``views`` must not
import it; they are imported only when asked for under django-totp's path.
"""

from . import lazy_names


def _jwt_view(name):
    def get():
        from .. import jwt_views

        return getattr(jwt_views, name)

    return get


LAZY_NAMES = {name: _jwt_view(name) for name in ("JWTCreateView", "JWTTOTP2FAVerifyView")}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
