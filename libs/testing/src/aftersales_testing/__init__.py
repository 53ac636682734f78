"""Test support shared by every service: real infrastructure, fresh names per run."""
