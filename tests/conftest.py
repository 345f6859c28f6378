"""Hypothesis profiles (issue 22): `ci` (the default) runs a fixed, small set of examples, the same
on every run; `nightly` runs many more, freshly drawn.  Choose with KEFU_XL_HYPOTHESIS=nightly."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("nightly", max_examples=400, derandomize=False, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile(os.environ.get("KEFU_XL_HYPOTHESIS", "ci"))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_payslip_secret(tmp_path_factory, monkeypatch):
    """Every test keeps the payslip secret (xlsx/payslips.py) in a folder of its own, never the user's profile."""
    monkeypatch.setenv("KEFU_XL_SECRET_DIR", str(tmp_path_factory.mktemp("secret")))
