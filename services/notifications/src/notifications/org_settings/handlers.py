"""Use cases of org units' own sending settings: their SMTP server (the password
encrypted at rest, write-only), from address, logo, footer and SMS sender name; and what
a message is sent with (``sending_profile``, ``sms_sender_name``) or blocked for
(``check_decision``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, insert, select, update

from aftersales_contracts.notifications import BlockReason, Channel
from aftersales_kit.problems import NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import PreconditionFailed, PreconditionRequired, check_version
from notifications import tables
from notifications.delivery.domain import SendingProfile, SmtpServer
from notifications.org_settings.schemas import SendingSettingsIn, SendingSettingsOut
from notifications.sending.domain import Blocked, Decision, SendEmail
from notifications.settings import Settings

org_unit_settings = tables.org_unit_settings


class SecretsKeyMissing(RuntimeError):
    """A stored password cannot be read without the installation's secrets key."""


def _fernet(settings: Settings) -> Fernet | None:
    if settings.secrets_key is None:
        return None
    return Fernet(settings.secrets_key.get_secret_value().encode())


def encrypt(password: str, settings: Settings) -> str:
    fernet = _fernet(settings)
    if fernet is None:
        raise Unprocessable(
            "storing an SMTP password needs the installation's secrets key "
            "(NOTIFICATIONS_SECRETS_KEY)",
            field="smtp_password",
        )
    return fernet.encrypt(password.encode()).decode()


def decrypt(token: str, settings: Settings) -> str:
    fernet = _fernet(settings)
    if fernet is None:
        raise SecretsKeyMissing("an org unit's SMTP password is stored but no secrets key is set")
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken as error:
        # Never the token or the password: only that the key does not fit.
        raise SecretsKeyMissing(
            "the secrets key does not decrypt a stored SMTP password"
        ) from error


async def _row(
    uow: UnitOfWork, org_unit_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any] | None:
    query = select(org_unit_settings).where(org_unit_settings.c.org_unit_id == org_unit_id)
    if lock:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def put_settings(
    org_unit_id: uuid.UUID,
    body: SendingSettingsIn,
    expected: int | None,
    uow: UnitOfWork,
    settings: Settings,
    *,
    now: datetime,
) -> tuple[SendingSettingsOut, bool]:
    """Create (no If-Match needed) or replace (If-Match required) an org unit's settings;
    returns them and whether they are new; 404 for an org unit catalog does not have.
    ``expected``: the version If-Match names."""
    if body.smtp_port is not None and body.smtp_host is None:
        raise Unprocessable("an SMTP port needs an SMTP host", field="smtp_port")
    if body.smtp_password is not None and body.clear_smtp_password:
        raise Unprocessable("give a new SMTP password or clear it, not both", field="smtp_password")
    if (
        await uow.session.scalar(
            select(tables.org_unit.c.id).where(tables.org_unit.c.id == org_unit_id)
        )
        is None
    ):
        # Only catalog's org units (the projection of OrgUnitChanged) have settings: one
        # just created in catalog is 404 until its event has arrived.
        raise NotFound(f"no org unit {org_unit_id}")
    current = await _row(uow, org_unit_id, lock=True)
    if current is not None:
        if expected is None:
            raise PreconditionRequired(
                "If-Match is required to replace settings: send the ETag you read",
                field="If-Match",
            )
        check_version(current["version"], expected)
    elif expected is not None:
        raise PreconditionFailed(
            f"org unit {org_unit_id} has no sending settings to match", field="If-Match"
        )
    if body.smtp_password is not None:
        password = encrypt(body.smtp_password.get_secret_value(), settings)
    elif body.clear_smtp_password or current is None:
        password = None
    else:
        password = current["smtp_password_encrypted"]
    values: dict[str, Any] = {
        "smtp_host": body.smtp_host,
        "smtp_port": body.smtp_port,
        "smtp_use_tls": body.smtp_use_tls,
        "smtp_username": body.smtp_username,
        "smtp_password_encrypted": password,
        "from_address": str(body.from_address) if body.from_address else None,
        "logo_url": str(body.logo_url) if body.logo_url else None,
        "footer": body.footer,
        "sms_sender_name": body.sms_sender_name,
        "updated_at": now,
    }
    if current is None:
        values |= {"org_unit_id": org_unit_id, "version": 1}
        await uow.session.execute(insert(org_unit_settings).values(values))
    else:
        values["version"] = current["version"] + 1
        await uow.session.execute(
            update(org_unit_settings)
            .where(org_unit_settings.c.org_unit_id == org_unit_id)
            .values(values)
        )
    await uow.commit()
    return SendingSettingsOut.from_row((current or {}) | values), current is None


async def get_settings(uow: UnitOfWork, org_unit_id: uuid.UUID) -> SendingSettingsOut:
    row = await _row(uow, org_unit_id)
    if row is None:
        raise NotFound(f"org unit {org_unit_id} has no sending settings")
    return SendingSettingsOut.from_row(row)


async def list_settings(uow: UnitOfWork) -> list[SendingSettingsOut]:
    rows = (
        (
            await uow.session.execute(
                select(org_unit_settings).order_by(org_unit_settings.c.org_unit_id)
            )
        )
        .mappings()
        .all()
    )
    return [SendingSettingsOut.from_row(dict(r)) for r in rows]


async def delete_settings(org_unit_id: uuid.UUID, expected: int, uow: UnitOfWork) -> None:
    current = await _row(uow, org_unit_id, lock=True)
    if current is None:
        raise NotFound(f"org unit {org_unit_id} has no sending settings")
    check_version(current["version"], expected)
    await uow.session.execute(
        delete(org_unit_settings).where(org_unit_settings.c.org_unit_id == org_unit_id)
    )
    await uow.commit()


# --- what the sender uses -----------------------------------------------------------


def _missing(org_unit_id: uuid.UUID) -> Blocked:
    return Blocked(
        BlockReason.EMAIL_SETTINGS_MISSING,
        f"org unit {org_unit_id} has no e-mail settings",
        Channel.EMAIL,
    )


async def check_decision(
    uow: UnitOfWork, org_unit_id: uuid.UUID | None, decision: Decision, settings: Settings
) -> Decision:
    """An e-mail for an org unit that must have its own settings and has none is blocked
    (``email_settings_missing``); anything else stands."""
    if (
        isinstance(decision, SendEmail)
        and org_unit_id is not None
        and settings.require_org_unit_email_settings
        and await _row(uow, org_unit_id) is None
    ):
        return _missing(org_unit_id)
    return decision


async def sending_profile(
    uow: UnitOfWork, org_unit_id: uuid.UUID | None, settings: Settings
) -> SendingProfile | Blocked:
    """The org unit's settings, each falling back to the installation's; Blocked when the
    org unit must have its own and has none."""
    row = await _row(uow, org_unit_id) if org_unit_id is not None else None
    if row is None:
        if org_unit_id is not None and settings.require_org_unit_email_settings:
            return _missing(org_unit_id)
        return SendingProfile(from_address=settings.from_address, footer=settings.email_footer)
    server = None
    if row["smtp_host"]:
        server = SmtpServer(
            host=row["smtp_host"],
            port=row["smtp_port"] or (465 if row["smtp_use_tls"] else 587),
            use_tls=row["smtp_use_tls"],
            username=row["smtp_username"],
            password=decrypt(row["smtp_password_encrypted"], settings)
            if row["smtp_password_encrypted"]
            else None,
        )
    return SendingProfile(
        from_address=row["from_address"] or settings.from_address,
        footer=row["footer"] or settings.email_footer,
        logo_url=row["logo_url"],
        server=server,
    )


async def sms_sender_name(
    uow: UnitOfWork, org_unit_id: uuid.UUID | None, settings: Settings
) -> str:
    """The name an SMS of this org unit goes out under: its own, else the installation's."""
    if org_unit_id is not None:
        own = await uow.session.scalar(
            select(org_unit_settings.c.sms_sender_name).where(
                org_unit_settings.c.org_unit_id == org_unit_id
            )
        )
        if own:
            return str(own)
    return settings.sms_sender_name
