"""Test settings: hypothesis runs without per-example deadlines (the reference loops are slow)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")
