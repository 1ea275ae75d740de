"""schemathesis hooks (SCHEMATHESIS_HOOKS) for tools/schemathesis.sh.

Random credentials only ever reach the 401 of /api/jwt/create/; about half of its cases
use the seeded users' real ones instead, so all three answers of the login (tokens, a
challenge, an enrollment token) are checked against the schema and the stateful phase
can follow the links from them (refresh, verify, the second step).
"""

import schemathesis
from hypothesis import strategies as st

from tests.openapi.seed import PASSWORD, USERS

LOGIN_PATH = "/api/jwt/create/"


@schemathesis.hook
def flatmap_body(context, body):
    operation = getattr(context, "operation", None)
    if operation is None or operation.path != LOGIN_PATH or not isinstance(body, dict):
        return st.just(body)
    seeded = st.sampled_from(USERS).map(lambda name: {"username": name, "password": PASSWORD})
    return st.one_of(st.just(body), seeded)
