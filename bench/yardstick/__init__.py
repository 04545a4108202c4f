"""Benchmark-only app: the yardstick of ``bench.intake`` (a minimal DRF endpoint that
inserts one row). Installed only by ``bench.settings``; never part of the platform."""
