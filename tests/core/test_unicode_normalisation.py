"""The core's generated NFKC table (cpp/src/nfkc_ascii_table.inc) agrees with Python's unicodedata for every code point."""

import concurrent.futures
import multiprocessing
import os
import random
import unicodedata
from pathlib import Path

import pytest

from django_totp_native import core

CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
SURROGATES = range(0xD800, 0xE000)
#: The Unicode version of the generated table (the first line of nfkc_ascii_table.inc).
#: The core behaves the same on every Python; a Python whose unicodedata is older (3.10
#: has Unicode 13.0) cannot judge code points assigned since, so those are left out there.
TABLE_UNICODE = (14, 0, 0)
PYTHON_UNICODE = tuple(int(part) for part in unicodedata.unidata_version.split("."))
TABLE_SOURCE = Path(__file__).resolve().parents[2] / "cpp" / "src" / "nfkc_ascii_table.inc"


def judgeable(cp: int) -> bool:
    return cp not in SURROGATES and (PYTHON_UNICODE >= TABLE_UNICODE or unicodedata.category(chr(cp)) != "Cn")


def all_code_points():
    return (cp for cp in range(0x110000) if judgeable(cp))


def test_table_unicode_version_is_the_generated_one():
    if not TABLE_SOURCE.exists():
        pytest.skip("run from an installed wheel: the C++ sources are not here")
    version = ".".join(map(str, TABLE_UNICODE))
    assert f"(Unicode {version})" in TABLE_SOURCE.read_text().splitlines()[0]


def canonical_backup_code(text: str) -> str:
    """ARCHITECTURE.md's rule built from unicodedata: NFKC, drop whitespace and '-', upper, O->0, I/L->1."""
    folded = "".join(unicodedata.normalize("NFKC", text).split()).replace("-", "").upper()
    return folded.replace("O", "0").replace("I", "1").replace("L", "1")


def survives(ch: str) -> bool:
    """Whether a code point can appear in a typed code: NFKC is whitespace or only [A-Za-z0-9-]."""
    nfkc = unicodedata.normalize("NFKC", ch)
    return nfkc.isspace() or (nfkc != "" and set(nfkc) <= CODE_CHARS)


def _check_backup_code_range(bounds):
    """Returns (mismatches, accepted) for the code points in range(*bounds)."""
    start, stop = bounds
    mismatches = []
    accepted = 0
    normalize = core.normalize_backup_code
    for cp in range(start, stop):
        if not judgeable(cp):
            continue
        ch = chr(cp)
        text = "A" + ch + "B"
        try:
            got = normalize(text)
        except ValueError:
            got = None
        if survives(ch):
            accepted += 1
            if got != canonical_backup_code(text):
                mismatches.append((hex(cp), got, canonical_backup_code(text)))
        elif got is not None:
            mismatches.append((hex(cp), got, "ValueError"))
        if len(mismatches) > 20:
            break
    return mismatches, accepted


def test_every_code_point_in_a_backup_code():
    # 1.1 million calls, nearly all raising ValueError (~15 us each through pybind11), so
    # the range is split over worker processes to stay well under 20 s.
    step = 0x110000 // 32
    chunks = [(lo, min(lo + step, 0x110000)) for lo in range(0, 0x110000, step)]
    workers = min(4, os.cpu_count() or 1)
    if workers > 1:
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_check_backup_code_range, chunks))
    else:
        results = [_check_backup_code_range(chunk) for chunk in chunks]
    mismatches = [m for chunk_mismatches, _ in results for m in chunk_mismatches]
    accepted = sum(n for _, n in results)
    assert mismatches == []
    # Sanity: every chunk ran, and the table is not trivially small (ASCII alone gives
    # 63 code characters + 8 whitespace).
    assert len(results) == len(chunks) and chunks[-1][1] == 0x110000
    assert accepted > 1000


def test_every_code_point_in_an_otp_code():
    # Code points that NFKC maps to digits or whitespace (all of them) and a large random
    # sample of the rest: a digit replaced by, or a character inserted into, a right code.
    key = b"unicode-otp-table-key"
    when = 1_700_000_000
    code = core.totp(key, when)
    interesting = []
    others = []
    for cp in all_code_points():
        nfkc = unicodedata.normalize("NFKC", chr(cp))
        (interesting if nfkc.isspace() or (nfkc and set(nfkc) <= CODE_CHARS) else others).append(cp)
    sample = interesting + random.Random(15).sample(others, 40_000)
    mismatches = []
    for cp in sample:
        ch = chr(cp)
        nfkc = unicodedata.normalize("NFKC", ch)
        inserted = code[:3] + ch + code[3:]
        replaced = code[:2] + ch + code[3:]
        got_inserted = core.totp_match(key, inserted, when, window=0) is not None
        got_replaced = core.totp_match(key, replaced, when, window=0) is not None
        if got_inserted != nfkc.isspace():
            mismatches.append(("inserted", hex(cp), got_inserted))
        if got_replaced != (nfkc == code[2]):
            mismatches.append(("replaced", hex(cp), got_replaced))
        if len(mismatches) > 20:
            break
    assert mismatches == []


@pytest.mark.parametrize("text", ["A\ud800B", "\udfff", "AB\udbff\udc00"])
def test_lone_surrogates_are_value_errors(text):
    with pytest.raises(ValueError):
        core.normalize_backup_code(text)
    with pytest.raises(ValueError):
        core.backup_code_digest(b"key", text)
    assert core.totp_match(b"key", text, 0) is None

