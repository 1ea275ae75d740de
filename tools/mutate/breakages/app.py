"""Breakages of the Django layer (services, sessions, admin)."""

from . import Breakage

BREAKAGES: list[Breakage] = []
