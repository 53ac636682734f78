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

import json
from typing import Protocol

import aiohttp

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


def _reason(status: int, reason: str | None, body: bytes) -> str:
    try:
        answer = json.loads(body)
        detail = answer.get("error") or answer.get("detail") if isinstance(answer, dict) else None
    except ValueError:
        detail = None
    detail = detail or body[:200].decode("utf-8", "replace") or reason
    return f"SMS provider {status}: {detail}"


class HttpSmsProvider:
    """The generic JSON HTTP API above. The API key goes only into the request header.

    aiohttp, not httpx as elsewhere: a request is the SMS sender's one per number, and
    httpx spent 1.0 ms of CPU on each against aiohttp's 0.25 (bench/README.md, tenth
    session). The session (its kept connections) is made at the first SMS, inside the
    sender's event loop."""

    def __init__(self, settings: Settings) -> None:
        if not settings.sms_provider_url:
            raise ValueError("no SMS provider URL is set (NOTIFICATIONS_SMS_PROVIDER_URL)")
        self._url = settings.sms_provider_url.rstrip("/") + "/messages"
        self._headers = {}
        if settings.sms_api_key is not None:
            self._headers["Authorization"] = f"Bearer {settings.sms_api_key.get_secret_value()}"
        self._timeout_seconds = settings.sms_timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout_seconds),
                # No cookies kept between requests (nor proxies taken from the environment).
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def send(self, *, to: str, sender: str, text: str, reference: str) -> str:
        body = {"to": to, "from": sender, "text": text, "reference": reference}
        try:
            async with self._client().post(self._url, json=body) as response:
                status, reason = response.status, response.reason
                answer = await response.read()
        except TimeoutError as error:
            # No answer in time: the provider may be back soon (and a repeat of the same
            # reference is answered with the first message's id, not sent again).
            raise TransientDeliveryError(
                f"SMS provider: no answer within {self._timeout_seconds} s (Timeout)"
            ) from error
        except aiohttp.ClientConnectorError as error:
            raise TransientDeliveryError(
                f"SMS provider: could not connect ({type(error).__name__})"
            ) from error
        except aiohttp.ClientError as error:
            # Dropped or broken connections: the provider may be back soon.
            raise TransientDeliveryError(f"SMS provider: {type(error).__name__}") from error
        if status >= 500 or status in _TRANSIENT_4XX:
            raise TransientDeliveryError(_reason(status, reason, answer))
        if status >= 400:
            raise PermanentDeliveryError(_reason(status, reason, answer))
        try:
            provider_id = json.loads(answer)["id"]
        except (ValueError, KeyError, TypeError) as error:
            # It answered success: sending again could send twice, so record what we got.
            return f"unknown ({type(error).__name__} in the provider's answer)"
        return str(provider_id)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
