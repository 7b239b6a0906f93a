"""Unit-test configuration shared by every test below tests/unit."""
import os

from hypothesis import settings

# Property tests explore new examples on a developer's machine but are reproducible in CI: a red CI run
# must mean a regression, not an unlucky draw. Set CCOL1_HYPOTHESIS_EXPLORE=1 to explore anyway.
settings.register_profile("ccol1-reproducible", derandomize=True, database=None)
settings.register_profile("ccol1-explore")
settings.load_profile("ccol1-explore" if os.environ.get("CCOL1_HYPOTHESIS_EXPLORE") else "ccol1-reproducible")
