"""SMS through a provider's HTTP API, every failure sorted into permanent or transient.

The generic JSON API that ``HttpSmsProvider`` speaks (and ``notifications.fake_sms`` serves)::

    POST {base_url}/messages
    Authorization: Bearer <api key>            (when one is set)
    {"to": "+46701234567", "from": "Aftersales", "text": "...", "reference": "<id>:<to>"}

    200/201/202 {"id": "<provider message id>", ...}
    4xx         {"error": "<why>"}   refused for good (e.g. an invalid number) ...
    401, 403, 408, 429, 5xx          ... except these, which are worth retrying

``reference`` is ours, unique per message and number; a provider that honours it (the
fake one does) answers a repeat with the first message's id and does not send again.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from notifications.delivery.domain import PermanentDeliveryError, TransientDeliveryError
from notifications.settings import Settings

# Worth retrying although they are 4xx: the provider timed out or is rate limiting us,
# or refuses our key, which is the operator's to fix, not the message's fault (as with
# SMTP authentication: retried, then parked in the dead-letter queue for a redrive).
_TRANSIENT_4XX = frozenset({401, 403, 408, 425, 429})


class SmsProvider(Protocol):
    async def send(self, *, to: str, sender: str, text: str, reference: str) -> str:
        """Hand one SMS to the provider; return its message id, or raise a DeliveryError."""
        ...


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
        detail = body.get("error") or body.get("detail") if isinstance(body, dict) else None
    except ValueError:
        detail = None
    detail = detail or response.text[:200] or response.reason_phrase
    return f"SMS provider {response.status_code}: {detail}"


class HttpSmsProvider:
    """The generic JSON HTTP API above. The API key goes only into the request header."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        if not settings.sms_provider_url:
            raise ValueError("no SMS provider URL is set (NOTIFICATIONS_SMS_PROVIDER_URL)")
        headers = {}
        if settings.sms_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.sms_api_key.get_secret_value()}"
        self._client = client or httpx.AsyncClient(
            base_url=settings.sms_provider_url.rstrip("/"),
            headers=headers,
            timeout=settings.sms_timeout_seconds,
        )

    async def send(self, *, to: str, sender: str, text: str, reference: str) -> str:
        try:
            response = await self._client.post(
                "/messages", json={"to": to, "from": sender, "text": text, "reference": reference}
            )
        except httpx.TransportError as error:
            # Timeouts, refused or dropped connections: the provider may be back soon.
            raise TransientDeliveryError(f"SMS provider: {type(error).__name__}") from error
        if response.status_code >= 500 or response.status_code in _TRANSIENT_4XX:
            raise TransientDeliveryError(_reason(response))
        if response.status_code >= 400:
            raise PermanentDeliveryError(_reason(response))
        try:
            provider_id = response.json()["id"]
        except (ValueError, KeyError, TypeError) as error:
            # It answered success: sending again could send twice, so record what we got.
            return f"unknown ({type(error).__name__} in the provider's answer)"
        return str(provider_id)

    async def aclose(self) -> None:
        await self._client.aclose()
