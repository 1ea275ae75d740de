"""Breakages of the test harness and configuration (defaults, error reports, CI)."""

from . import Breakage

BREAKAGES: list[Breakage] = []
