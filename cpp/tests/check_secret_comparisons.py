"""Reads the compiled core and fails unless every secret comparison goes through CRYPTO_memcmp.

    check_secret_comparisons.py OBJDUMP LIBRARY

A comparison that stops at the first differing byte returns the same answers as
CRYPTO_memcmp, so no known-answer test can tell them apart; only its timing differs,
and a timing test on a shared machine flakes. What the compiler produced cannot flake:
this disassembles LIBRARY (the core's static library, with relocations) and requires
each function in RULES to reference one of the symbols it must call. Each rule must also
match at least one function, so a rename fails here instead of checking nothing.
Run by CTest (CMakeLists.txt) in `make ctest` and `make sanitize`.
"""

import re
import subprocess
import sys

CT_SPAN = "totp_native::constant_time_equal(std::span<"
CT_ANY = "totp_native::constant_time_equal("

#: (function name prefix, symbols of which it must reference one, why it matters).
RULES = [
    (CT_SPAN, ["CRYPTO_memcmp"], "the comparison every secret check goes through"),
    # The string_view overload may call the span one or inline it.
    ("totp_native::constant_time_equal(std::basic_string_view<", ["CRYPTO_memcmp", CT_SPAN],
     "compares TOTP codes"),
    ("totp_native::totp_match(", [CT_ANY, "CRYPTO_memcmp"], "a typed code against each step's code"),
    ("totp_native::verify_challenge(", [CT_ANY, "CRYPTO_memcmp"], "a challenge token's HMAC tag"),
    ("totp_native::FernetKey::signature_matches(", [CT_ANY, "CRYPTO_memcmp"], "a Fernet token's HMAC tag"),
]

#: Comparisons that return at the first difference; a constant-time function calling one
#: has an early exit even if it also calls CRYPTO_memcmp.
EARLY_EXIT = re.compile(r"\b(memcmp|bcmp|strcmp|strncmp|__memcmp_chk)\b")

FUNCTION_HEADER = re.compile(r"^[0-9a-f]+ <(.+)>:$")
CLONE_SUFFIX = re.compile(r" \[clone [^\]]+\]$")


def functions(objdump: str, library: str) -> dict[str, str]:
    """Disassembly (instructions and relocations) per demangled function name; the
    compiler's split-off parts ("[clone .cold]") count as part of their function."""
    listing = subprocess.run([objdump, "-d", "-r", "-C", "--no-show-raw-insn", library],
                             check=True, capture_output=True, text=True).stdout
    bodies: dict[str, list[str]] = {}
    current = None
    for line in listing.splitlines():
        header = FUNCTION_HEADER.match(line)
        if header:
            current = bodies.setdefault(CLONE_SUFFIX.sub("", header.group(1)), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in bodies.items()}


def main(objdump: str, library: str) -> int:
    found = functions(objdump, library)
    failures = []
    for prefix, callees, why in RULES:
        matching = {name: body for name, body in found.items() if name.startswith(prefix)}
        if not matching:
            failures.append(f"no function {prefix}...) in {library}: renamed? update RULES ({why})")
        for name, body in matching.items():
            if not any(callee in body for callee in callees):
                failures.append(f"{name} ({why}) does not call {' or '.join(callees)}")
            if name.startswith(CT_ANY) and EARLY_EXIT.search(body):
                failures.append(f"{name} calls {EARLY_EXIT.search(body).group(1)}, which stops at "
                                "the first differing byte")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    checked = sum(1 for name in found for prefix, _, _ in RULES if name.startswith(prefix))
    print(f"{checked} functions checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
