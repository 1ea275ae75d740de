"""Shared by the core tests (no database) and the Django app tests (tests/app/)."""
