"""Breakages of the C++ core and the pybind11 bindings."""

from . import Breakage

BREAKAGES: list[Breakage] = []
