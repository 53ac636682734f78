"""The service case's use cases."""

from __future__ import annotations

from fieldwork.cases.status import CaseNotFound, refresh_case_status

__all__ = ["CaseNotFound", "refresh_case_status"]
