"""The progress of long commands (rotate_totp_keys, import_django_totp, import_django_otp)."""

from io import StringIO

from django.core.management.base import OutputWrapper

from django_totp_native.management.commands._progress import Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_it_shows_count_rate_and_time_left_in_place():
    clock, out = Clock(), Terminal()
    meter = Progress(OutputWrapper(out), clock=clock)
    clock.now += 10
    meter.update(1000, 100_000, "django_totp_totp")
    line = out.getvalue()
    assert line.startswith("\r  django_totp_totp: 1000/100000, 100 per second, 16 min 30 s left")
    clock.now += 0.1
    meter.update(1010, 100_000)
    assert out.getvalue() == line, "redrawn at most twice a second"
    clock.now += 989.9
    meter.update(100_000, 100_000)
    assert out.getvalue().rstrip().endswith("\r  100000/100000, 100 per second, 0 s left")
    assert meter.summary() == "100000 rows in 16 min 40 s (100 rows per second)"


def test_not_on_a_terminal_it_is_quiet_until_the_summary():
    clock, out = Clock(), StringIO()
    meter = Progress(OutputWrapper(out), clock=clock)
    for done in range(0, 10_001, 500):
        clock.now += 1
        meter.update(done, 10_000)
    assert out.getvalue() == ""
    assert meter.summary() == "10000 rows in 21 s (476 rows per second)"


def test_verbosity_zero_is_quiet_on_a_terminal_too():
    out = Terminal()
    meter = Progress(OutputWrapper(out), verbosity=0, clock=Clock())
    meter.update(5, 10)
    assert out.getvalue() == ""
