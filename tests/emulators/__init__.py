"""Loopback HTTP emulators of the external platforms danvan talks to (tests only)."""
