"""Breakages of the C++ core and the pybind11 bindings."""

from . import Breakage

BREAKAGES: list[Breakage] = [
    Breakage(
        name="early-exit-constant-time-equal",
        source="issue 16 item 9",
        path="cpp/src/secure.cpp",
        old="  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;\n",
        new=(
            "  for (std::size_t i = 0; i < a.size(); ++i) {\n"
            "    if (a[i] != b[i]) return false;\n"
            "  }\n"
            "  return true;\n"
        ),
        kills=("^secret_comparisons$",),
        suite="ctest",
        why="comparing TOTP codes and challenge tags takes longer the more leading bytes match",
    ),
]


def _viewed_early(arg: str, as_bytes: bool = True) -> str:
    """C++ lines that view the argument ``arg`` (a body's ``a["name"]``), when it is a
    bytearray, before the other arguments are converted and without pinning it (the
    use-after-free pattern), as ``early_view`` and, with ``as_bytes``, ``early_bytes``;
    ``early`` says if they apply."""
    lines = (
        f"  const bool early = PyByteArray_Check({arg});\n"
        "  const std::string_view early_view(\n"
        f"      early ? PyByteArray_AS_STRING({arg}) : \"\",\n"
        f"      early ? static_cast<std::size_t>(PyByteArray_GET_SIZE({arg})) : 0);\n"
    )
    if as_bytes:
        lines += (
            "  const std::span<const std::uint8_t> early_bytes(\n"
            "      reinterpret_cast<const std::uint8_t*>(early_view.data()), early_view.size());\n"
        )
    return lines


MUTATION_TESTS = "tests/core/test_argument_mutation.py"

BREAKAGES += [
    Breakage(
        name="verify-challenge-unpinned-key",
        source="issue 16 item 10",
        path="python/bindings/register_challenge.cpp",
        old=(
            "  const std::string purpose = arg_text(a[\"purpose\"], \"purpose\");\n"
            "  const auto max_age = arg_int64(a[\"max_age\"], \"max_age\", std::numeric_limits<std::int64_t>::min(),\n"
            "                                 std::numeric_limits<std::int64_t>::max());\n"
            "  const std::int64_t now = whole_seconds(a[\"now\"] ? a[\"now\"] : Py_None, \"now\");\n"
            "  if (!PyUnicode_Check(a[\"token\"]) && !PyBytes_Check(a[\"token\"])) {\n"
            "    throw py::type_error(\"token must be str or bytes\");\n"
            "  }\n"
            "  const BufferArg key(a[\"key\"], \"key\", kBytesOrStr);\n"
            "  const BufferArg token(a[\"token\"], \"token\", kBytesOrStr);\n"
            "  const ChallengeClaims claims = verify_challenge(key.bytes(), token.view(), purpose, max_age, now);\n"
        ),
        new=(
            "  const std::string purpose = arg_text(a[\"purpose\"], \"purpose\");\n"
            + _viewed_early('a["key"]')
            + "  const auto max_age = arg_int64(a[\"max_age\"], \"max_age\", std::numeric_limits<std::int64_t>::min(),\n"
            "                                 std::numeric_limits<std::int64_t>::max());\n"
            "  const std::int64_t now = whole_seconds(a[\"now\"] ? a[\"now\"] : Py_None, \"now\");\n"
            "  if (!PyUnicode_Check(a[\"token\"]) && !PyBytes_Check(a[\"token\"])) {\n"
            "    throw py::type_error(\"token must be str or bytes\");\n"
            "  }\n"
            "  const BufferArg key(a[\"key\"], \"key\", kBytesOrStr);\n"
            "  const BufferArg token(a[\"token\"], \"token\", kBytesOrStr);\n"
            "  const ChallengeClaims claims =\n"
            "      verify_challenge(early ? early_bytes : key.bytes(), token.view(), purpose, max_age, now);\n"
        ),
        kills=(f"{MUTATION_TESTS}::test_verify_challenge_reads_the_key_after_conversion",),
        suite="pytest-native",
        why="a challenge token signed with whatever key lands in the freed memory is accepted",
    ),
    Breakage(
        name="sign-challenge-unpinned-key",
        source="issue 16 item 10",
        path="python/bindings/register_challenge.cpp",
        old=(
            "  PyObject* const issued_at_arg = a[\"issued_at\"] ? a[\"issued_at\"] : Py_None;\n"
            "  const std::int64_t issued_at = whole_seconds(issued_at_arg, \"issued_at\");\n"
            "  // Buffers last: time.time() may be patched Python code (registers.hpp).\n"
            "  const BufferArg key(a[\"key\"], \"key\", kBytesOrStr);\n"
            "  return py::str(sign_challenge(key.bytes(), subject, purpose, issued_at));\n"
        ),
        new=(
            _viewed_early('a["key"]')
            + "  PyObject* const issued_at_arg = a[\"issued_at\"] ? a[\"issued_at\"] : Py_None;\n"
            "  const std::int64_t issued_at = whole_seconds(issued_at_arg, \"issued_at\");\n"
            "  const BufferArg key(a[\"key\"], \"key\", kBytesOrStr);\n"
            "  return py::str(sign_challenge(early ? early_bytes : key.bytes(), subject, purpose, issued_at));\n"
        ),
        kills=(f"{MUTATION_TESTS}::test_sign_challenge_reads_the_key_after_the_clock",),
        suite="pytest-native",
        why="challenges are signed with whatever key lands in the freed memory",
    ),
    Breakage(
        name="fernet-encrypt-unpinned-data",
        source="issue 16 item 10",
        path="python/bindings/register_fernet.cpp",
        old=(
            "py::object encrypt_body(FastArgs<Params> a) {\n"
            "  const std::int64_t now = now_seconds();\n"
            "  const Keys& keys = self_of<Keys>(a[\"self\"]);\n"
            "  const BufferArg data(a[payload<Keys>(\"data\")], \"data\", kBytesOnly);\n"
            "  return token_bytes(keys.encrypt(data.bytes(), now));\n"
        ),
        new=(
            "py::object encrypt_body(FastArgs<Params> a) {\n"
            + _viewed_early('a[payload<Keys>("data")]')
            + "  const std::int64_t now = now_seconds();\n"
            "  const Keys& keys = self_of<Keys>(a[\"self\"]);\n"
            "  const BufferArg data(a[payload<Keys>(\"data\")], \"data\", kBytesOnly);\n"
            "  return token_bytes(keys.encrypt(early ? early_bytes : data.bytes(), now));\n"
        ),
        kills=(f"{MUTATION_TESTS}::test_fernet_encrypt_reads_data_after_the_clock",),
        suite="pytest-native",
        why="Fernet.encrypt seals whatever lands in the freed memory (another user's secret)",
    ),
    Breakage(
        name="fernet-decrypt-ttl-unpinned-token",
        source="issue 16 item 10",
        path="python/bindings/register_fernet.cpp",
        old=(
            "  const std::optional<std::int64_t> max_age = optional_ttl(a[\"ttl\"]);\n"
            "  const std::int64_t now = max_age ? now_seconds() : 0;\n"
            "  const Keys& keys = self_of<Keys>(a[\"self\"]);\n"
            "  const BufferArg token(a[payload<Keys>(\"token\")], \"token\", kBytesOrStr);\n"
            "  const SecureBuffer plaintext = keys.decrypt(token.view(), max_age, now);\n"
        ),
        new=(
            _viewed_early('a[payload<Keys>("token")]', as_bytes=False)
            + "  const std::optional<std::int64_t> max_age = optional_ttl(a[\"ttl\"]);\n"
            "  const std::int64_t now = max_age ? now_seconds() : 0;\n"
            "  const Keys& keys = self_of<Keys>(a[\"self\"]);\n"
            "  const BufferArg token(a[payload<Keys>(\"token\")], \"token\", kBytesOrStr);\n"
            "  const SecureBuffer plaintext = keys.decrypt(early ? early_view : token.view(), max_age, now);\n"
        ),
        kills=(f"{MUTATION_TESTS}::test_fernet_decrypt_with_ttl_reads_the_token_after_the_clock",),
        suite="pytest-native",
        why="Fernet.decrypt(ttl=...) returns the plaintext of whatever token lands in the freed memory",
    ),
    Breakage(
        name="hotp-unpinned-key",
        source="issue 16 item 10",
        path="python/bindings/register_otp.cpp",
        old=(
            "  const auto counter = arg_int64(a[\"counter\"], \"counter\", 0, kInt64Max);\n"
            "  const int digits = a[\"digits\"] ? arg_int(a[\"digits\"], \"digits\") : 6;\n"
            "  const HashAlgorithm algorithm = algorithm_arg(a[\"algorithm\"]);\n"
            "  const OtpKey key(a[\"key\"]);\n"
            "  return py::str(hotp(key.bytes, static_cast<std::uint64_t>(counter), digits, algorithm));\n"
        ),
        new=(
            _viewed_early('a["key"]')
            + "  const auto counter = arg_int64(a[\"counter\"], \"counter\", 0, kInt64Max);\n"
            "  const int digits = a[\"digits\"] ? arg_int(a[\"digits\"], \"digits\") : 6;\n"
            "  const HashAlgorithm algorithm = algorithm_arg(a[\"algorithm\"]);\n"
            "  const OtpKey key(a[\"key\"]);\n"
            "  return py::str(\n"
            "      hotp(early ? early_bytes : key.bytes, static_cast<std::uint64_t>(counter), digits, algorithm));\n"
        ),
        kills=(f"{MUTATION_TESTS}::test_hotp_reads_the_key_after_conversion",),
        suite="pytest-native",
        why="hotp returns the code of whatever key lands in the freed memory",
    ),
    Breakage(
        name="qr-png-unpinned-data",
        source="issue 16 item 10",
        path="python/bindings/register_qr.cpp",
        old=(
            "  const QrEcc level = ecc_arg(a[\"ecc\"]);\n"
            "  const int border = border_arg(a[\"border\"]);\n"
            "  const int scale = a[\"scale\"] ? arg_int(a[\"scale\"], \"scale\") : 8;\n"
            "  const std::string data = data_copy(a[\"data\"]);\n"
        ),
        new=(
            _viewed_early('a["data"]', as_bytes=False)
            + "  const QrEcc level = ecc_arg(a[\"ecc\"]);\n"
            "  const int border = border_arg(a[\"border\"]);\n"
            "  const int scale = a[\"scale\"] ? arg_int(a[\"scale\"], \"scale\") : 8;\n"
            "  const std::string data = early ? std::string(early_view) : data_copy(a[\"data\"]);\n"
        ),
        kills=(f"{MUTATION_TESTS}::test_qr_reads_the_data_after_conversion",),
        suite="pytest-native",
        why="the enrollment QR code shows whatever secret lands in the freed memory",
    ),
]

SIGNATURE_TESTS = "tests/core/test_signatures.py"

# Each parameter is declared once in the bindings (python/bindings/fastcall.hpp); these
# break what is still stated elsewhere: the checked-in stub, the signature line rendered
# from the declaration, and the defaults the C++ bodies apply.
BREAKAGES += [
    Breakage(
        name="stub-renames-a-parameter",
        source="issue 17 item 9",
        path="django_totp_native/_core.pyi",
        old=(
            "t0: int = 0, window: int = 1, after_step: int = -1) -> int | None:\n"
            '    """\n'
            "    Return the time step at which"
        ),
        new=(
            "t0: int = 0, window: int = 1, after: int = -1) -> int | None:\n"
            '    """\n'
            "    Return the time step at which"
        ),
        kills=(
            f"{SIGNATURE_TESTS}::test_stub_matches_the_docstring_signature[totp_match]",
            f"{SIGNATURE_TESTS}::test_every_parameter_of_the_stub_is_accepted_as_a_keyword[totp_match]",
        ),
        why="type checkers offer totp_match(after=...), which the module refuses with a TypeError",
    ),
    Breakage(
        name="stub-stale-after-a-declaration-change",
        source="issue 17 item 9",
        path="python/bindings/register_otp.cpp",
        old='    {"issuer", "str | None", "None"},\n',
        new='    {"issuer", "str | None", "None", kKeywordOnly},\n',
        kills=(
            f"{SIGNATURE_TESTS}::test_stub_matches_the_docstring_signature[provisioning_uri]",
            f"{SIGNATURE_TESTS}::test_positional_arguments_stop_where_the_stub_puts_its_star[provisioning_uri]",
        ),
        suite="pytest-native",
        why="the installed stub still offers provisioning_uri(secret, account, issuer), which the module refuses",
    ),
    Breakage(
        name="signature-line-drops-keyword-only-marker",
        source="issue 17 item 9",
        path="python/bindings/fastcall.cpp",
        old=(
            "    if (param.kind == ParamKind::kKeywordOnly && !keyword_only_marked) {\n"
            '      doc += "*, ";\n'
        ),
        new="    if (param.kind == ParamKind::kKeywordOnly && !keyword_only_marked) {\n",
        kills=(
            f"{SIGNATURE_TESTS}::test_stub_matches_the_docstring_signature[qr_png]",
            f"{SIGNATURE_TESTS}::test_stub_matches_the_docstring_signature[totp_match]",
        ),
        suite="pytest-native",
        why="help() and a regenerated stub show qr_png(data, ecc, ...) positional, which the module refuses",
    ),
    Breakage(
        name="body-default-drifts-from-declaration",
        source="issue 17 item 9",
        path="python/bindings/register_backup_codes.cpp",
        old='  const int count = a["count"] ? arg_int(a["count"], "count") : 10;\n',
        new='  const int count = a["count"] ? arg_int(a["count"], "count") : 8;\n',
        kills=(
            f"{SIGNATURE_TESTS}::test_omitting_a_parameter_is_passing_the_default_the_stub_shows[generate_backup_codes]",
        ),
        suite="pytest-native",
        why="generate_backup_codes() hands out 8 codes where the stub and help() promise 10",
    ),
]

UNINITIALISED_TESTS = "tests/core/test_uninitialised_objects.py"

BREAKAGES += [
    Breakage(
        name="uninitialised-fernet-not-refused",
        source="issue 18 item 7",
        path="python/bindings/conversions.cpp",
        old=(
            "  if (vh.inst == nullptr || !vh.holder_constructed() || vh.value_ptr() == nullptr) {\n"
            "    throw py::type_error(std::string(class_name) + \" object is not initialised\");\n"
            "  }\n"
        ),
        new="",
        kills=(
            f"{UNINITIALISED_TESTS}::test_fernet_methods_refuse_an_uninitialised_fernet[encrypt-Fernet]",
            f"{UNINITIALISED_TESTS}::test_multifernet_methods_refuse_an_uninitialised_multifernet[rotate-MultiFernet]",
            f"{UNINITIALISED_TESTS}::test_multifernet_refuses_an_uninitialised_fernet[only]",
            f"{UNINITIALISED_TESTS}::test_functions_refuse_an_uninitialised_key_ring[backup_code_digest_sealed-MultiFernet]",
            f"{UNINITIALISED_TESTS}::test_functions_refuse_an_uninitialised_key_ring[totp_match_sealed-Fernet]",
        ),
        suite="pytest-native",
        why="Fernet.__new__(Fernet).encrypt(b'x') crashes the worker process (segfault)",
    ),
]
