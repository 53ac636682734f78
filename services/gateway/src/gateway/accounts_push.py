"""User accounts pushed to notifications (decision 74): their addresses, roles, org units
and whether they are active, so that users can be told of field work's events and only of
orders they may see.

The gateway speaks no messages (it runs without a broker). Instead every change of an
account raises its ``version`` in the change's own transaction, and this loop sends each
account whose ``pushed_version`` lags behind to notifications (``PUT
/user-accounts/{username}``, signed as the gateway), recording the version accepted. A
change is therefore never lost: notifications away means the push is retried next round;
a push answered but not recorded is sent again, and notifications keeps the newest
version only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select, update

from aftersales_kit.identity import ROLES_HEADER, USER_HEADER
from aftersales_kit.internal_auth import keyring
from aftersales_kit.signed_identity import IDENTITY_HEADER, Caller, sign
from aftersales_kit.transient import describe
from aftersales_kit.uow import UnitOfWork
from gateway import tables
from gateway.settings import Settings

log = logging.getLogger(__name__)

PUSH_INTERVAL_SECONDS = 2.0
# Failing this many rounds in a row (about 10 s) is worth an error in the log.
QUIET_FAILURES = 5
BATCH_SIZE = 50
# Who the gateway is when it calls notifications itself: an admin, as the route requires.
PUSHER = Caller(username="gateway", roles=frozenset({"admin"}), org_units=None)

u = tables.user_account


def account_body(row: Any) -> dict[str, Any]:
    """What notifications stores of an account."""
    return {
        "version": row.version,
        "display_name": row.display_name,
        "email": row.email,
        "mobile": row.mobile,
        "roles": list(row.roles),
        "org_units": list(row.org_units),
        "active": row.active,
    }


class AccountsPush:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        settings: Settings,
        *,
        interval_seconds: float = PUSH_INTERVAL_SECONDS,
    ) -> None:
        self._uow = uow
        self._settings = settings
        self._interval = interval_seconds
        self._keyring = keyring(settings)

    def _headers(self) -> dict[str, str]:
        headers = {USER_HEADER: PUSHER.username or "gateway", ROLES_HEADER: "admin"}
        if self._keyring is not None:
            headers[IDENTITY_HEADER] = sign(
                PUSHER,
                self._keyring,
                now=time.time(),
                ttl_seconds=self._settings.internal_identity_ttl_seconds,
            )
        return headers

    async def push_pending(self, client: httpx.AsyncClient) -> int:
        """Push every account whose last accepted version lags (a batch at most); the
        number notifications accepted."""
        async with self._uow() as uow:
            rows = (
                await uow.session.execute(
                    select(u)
                    .where(u.c.pushed_version.is_distinct_from(u.c.version))
                    .order_by(u.c.username)
                    .limit(BATCH_SIZE)
                )
            ).all()
        accepted = 0
        base = self._settings.notifications_url.rstrip("/")
        for row in rows:
            try:
                response = await client.put(
                    f"{base}/user-accounts/{row.username}",
                    json=account_body(row),
                    headers=self._headers(),
                )
            except httpx.HTTPError as error:
                log.warning("notifications is not reachable: %s", type(error).__name__)
                return accepted  # the rest waits for the next round
            if response.status_code != 200:
                log.warning(
                    "notifications refused the account %s: %s",
                    row.username,
                    response.status_code,
                )
                continue
            async with self._uow() as uow:
                await uow.session.execute(
                    update(u).where(u.c.id == row.id).values(pushed_version=row.version)
                )
                await uow.commit()
            accepted += 1
        return accepted

    async def run(self) -> None:
        failures = 0
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                try:
                    await self.push_pending(client)
                    failures = 0
                except Exception as error:
                    failures += 1
                    if failures < QUIET_FAILURES:
                        # Most likely the database away for a moment: the requests answer
                        # 503 and say so; this loop only tries again next round.
                        log.info("pushing user accounts waits: %s", describe(error))
                    else:
                        log.exception("pushing user accounts failed (%d rounds)", failures)
                await asyncio.sleep(self._interval)
