"""A peer's pinned source release from PyPI, for the compat runners (compat-django-otp,
compat-two-factor, compat-allauth): downloaded once into the cache, checked against its
sha256 before it is used, unpacked, and reused while the stamp matches."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path


def fetch_sdist(cache: Path, project: str, version: str, sha256: str, target: str) -> Path:
    """The unpacked ``project==version`` sdist under ``cache``, downloaded only when missing;
    exits (naming the make ``target``) when the download's sha256 is not ``sha256``."""
    unpacked = cache / f"{project}-{version}"
    stamp = unpacked / ".sha256"
    if stamp.is_file() and stamp.read_text().strip() == sha256:
        return unpacked
    distribution = project.replace("-", "_")  # how the sdist and its top folder are named
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        print(f"== Downloading the {project} {version} source release from PyPI", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             f"{project}=={version}", "-d", scratch],
            check=True,
        )
        (sdist,) = Path(scratch).glob(f"{distribution}-*.tar.gz")
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != sha256:
            sys.exit(f"{target}: {sdist.name} has sha256 {digest}, expected {sha256}; not using it.")
        with tarfile.open(sdist) as archive:
            archive.extractall(scratch, filter="data")
        shutil.rmtree(unpacked, ignore_errors=True)
        Path(scratch, f"{distribution}-{version}").rename(unpacked)
    stamp.write_text(sha256 + "\n")
    return unpacked
