"""Run mutmut's command line with the editable install's import redirect removed.

`make build` installs this project in editable mode (scikit-build-core), which adds an
import hook that always loads ``django_totp_native`` from the source tree. mutmut must
load its mutated copy (``mutants/``) instead, so the hook is dropped before mutmut starts;
the compiled ``_core`` is copied next to that copy by tools/mutate/run.py.
"""

import sys

sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ScikitBuildRedirectingFinder"]

from mutmut.__main__ import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli())
