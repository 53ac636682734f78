"""The fault suite: a pytest tree of its own (see conftest.py)."""
