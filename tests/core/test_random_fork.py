"""Forked processes never repeat a Fernet IV or a challenge nonce of their parent or siblings.

The core hands out random bytes from a per-thread pool refilled from RAND_bytes in blocks;
a child created by os.fork inherits that pool half used. These tests fork from a process
that has already drawn random bytes (so the pool is live) and compare what every process
hands out afterwards.
"""

import base64
import os
import sys
import warnings

import pytest

from django_totp_native import core

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

CHILDREN = 4
PER_PROCESS = 300  # 16-byte draws: more than one 4 KiB pool, so refills happen too
CHALLENGE_KEY = b"fork-test-challenge-key-0123456789"


def fernet_iv(token: bytes) -> bytes:
    return base64.urlsafe_b64decode(token)[9:25]


def draw(fernet: core.Fernet) -> list[str]:
    """Returns PER_PROCESS Fernet IVs and PER_PROCESS challenge nonces, as hex."""
    values = [fernet_iv(fernet.encrypt(b"JBSWY3DPEHPK3PXP")).hex() for _ in range(PER_PROCESS)]
    for _ in range(PER_PROCESS):
        token = core.sign_challenge(CHALLENGE_KEY, "42", "login")
        values.append(core.verify_challenge(CHALLENGE_KEY, token, "login", 300)[2])
    return values


def fork_and_draw(fernet: core.Fernet) -> tuple[list[str], list[list[str]]]:
    """Forks CHILDREN children that each draw; returns (parent's draws, children's)."""
    readers = []
    for _ in range(CHILDREN):
        read_fd, write_fd = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork() in a threaded process; the test's own
            # process is what it is, and the child only draws and exits.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # child: draw, report, leave without running pytest's teardown
            status = 1
            try:
                os.close(read_fd)
                with os.fdopen(write_fd, "w") as out:
                    out.write("\n".join(draw(fernet)))
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        readers.append((pid, read_fd))
    mine = draw(fernet)
    theirs = []
    for pid, read_fd in readers:
        with os.fdopen(read_fd) as stream:
            theirs.append(stream.read().split("\n"))
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    return mine, theirs


def test_forked_children_never_repeat_an_iv_or_nonce():
    fernet = core.Fernet(core.Fernet.generate_key())
    # Draw first, so every child inherits a live, partly used pool.
    before = draw(fernet)[:10] + [core.random_bytes(16).hex() for _ in range(5)]
    mine, theirs = fork_and_draw(fernet)
    everything = before + mine + [v for values in theirs for v in values]
    assert all(len(values) == 2 * PER_PROCESS for values in theirs)
    assert all(len(v) == 32 for v in everything)
    assert len(set(everything)) == len(everything), "a random IV or nonce was handed out twice"


def test_a_child_of_a_child_does_not_repeat_either():
    fernet = core.Fernet(core.Fernet.generate_key())
    draw(fernet)
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_fd)
            draw(fernet)  # the child uses its pool, then forks in turn
            mine, theirs = fork_and_draw(fernet)
            with os.fdopen(write_fd, "w") as out:
                out.write("\n".join(mine + [v for values in theirs for v in values]))
            status = 0
        except BaseException as exc:  # reported through the exit status
            print(f"child failed: {exc!r}", file=sys.stderr)
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd) as stream:
        grandchildren = stream.read().split("\n")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    mine = draw(fernet)
    everything = mine + grandchildren
    assert len(everything) == (CHILDREN + 2) * 2 * PER_PROCESS
    assert len(set(everything)) == len(everything)
