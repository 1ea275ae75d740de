"""Checks one repaired wheel's contents; exits non-zero with the reasons when one is wrong.

What a user or an index would otherwise find out too late: the grafted libcrypto and
libqrencode, the license texts in .dist-info/licenses/, the PEP 639 license metadata
and the tested Django bound in Requires-Dist.
"""

import re
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

REQUIRED_LICENSE_FILES = [
    "LICENSE",
    "LICENSES/THIRD-PARTY-NOTICES.md",
    "LICENSES/OpenSSL-Apache-2.0.txt",
    "LICENSES/OpenSSL-debian-copyright.txt",
    "LICENSES/libqrencode-LGPL-2.1.txt",
    "LICENSES/libqrencode-debian-copyright.txt",
]
GRAFTED = {"libcrypto": r"libcrypto-[0-9a-f]+\.so\.3$", "libqrencode": r"libqrencode-[0-9a-f]+\.so\.4"}


def problems(path: Path) -> list[str]:
    errors = []
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        if not any(re.fullmatch(r"django_totp_native/_core\.cpython-3\d+-x86_64-linux-gnu\.so", n) for n in names):
            errors.append("no django_totp_native/_core extension")
        libs = [n for n in names if n.startswith("django_totp_native.libs/")]
        for label, pattern in GRAFTED.items():
            if not any(re.search(pattern, n) for n in libs):
                errors.append(f"{label} is not grafted into django_totp_native.libs/ (has: {libs})")
        for name in REQUIRED_LICENSE_FILES:
            if f"{dist_info}/licenses/{name}" not in names:
                errors.append(f"{dist_info}/licenses/{name} is missing")
        metadata = Parser().parsestr(whl.read(f"{dist_info}/METADATA").decode())
        if metadata.get("License-Expression") != "MIT":
            errors.append(f"License-Expression is {metadata.get('License-Expression')!r}, not 'MIT'")
        listed = set(metadata.get_all("License-File") or [])
        for name in REQUIRED_LICENSE_FILES:
            if name not in listed:
                errors.append(f"METADATA has no License-File: {name}")
        if not any(re.fullmatch(r"django<6\.1,>=4\.2|django>=4\.2,<6\.1", r.replace(" ", "").lower())
                   for r in metadata.get_all("Requires-Dist") or []):
            errors.append(f"Requires-Dist has no Django>=4.2,<6.1: {metadata.get_all('Requires-Dist')}")
        wheel_tags = Parser().parsestr(whl.read(f"{dist_info}/WHEEL").decode()).get_all("Tag")
        if not all("manylinux" in tag for tag in wheel_tags):
            errors.append(f"WHEEL tags are not manylinux: {wheel_tags}")
    return errors


def main(paths: list[str]) -> int:
    status = 0
    for arg in paths:
        found = problems(Path(arg))
        for line in found:
            print(f"{arg}: {line}", file=sys.stderr)
        status |= bool(found)
        if not found:
            print(f"   contents OK: grafted libcrypto + libqrencode, license texts, metadata ({Path(arg).name})")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
