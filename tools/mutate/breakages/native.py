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
