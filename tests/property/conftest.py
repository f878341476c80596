"""Hypothesis profiles for the property tests: `ci` (default: bounded, derandomized, reproducible) and `deep`
(PYDL_PROPERTY_PROFILE=deep: many more examples, fresh randomness each run)."""
import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("deep", max_examples=5000, **_COMMON)
settings.load_profile(os.environ.get("PYDL_PROPERTY_PROFILE", "ci"))
