"""Use cases of the print queue: a letter's report queued (with its message's outcome),
the office's list, downloads (one PDF or a merged batch) and "mark printed", which tells
the requester the letter is sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update

from aftersales_contracts.notifications import Channel
from aftersales_kit import keyset
from aftersales_kit.pagination import Sort
from aftersales_kit.problems import NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from notifications import visibility
from notifications.print_queue import domain
from notifications.print_queue.schemas import (
    MarkPrintedOut,
    PrintJobOut,
    PrintJobPage,
    PrintTagOut,
)
from notifications.sending import messages, outcomes
from notifications.sending.domain import MessageStatus, Outcome, SendLetter
from notifications.tables import attachment, customer, message, print_job

# Oldest first: the office prints in the order letters were asked for.
ORDER = Sort("created_at", descending=False)


async def has_report(uow: UnitOfWork, message_id: uuid.UUID) -> bool:
    found = await uow.session.scalar(
        select(attachment.c.id).where(
            attachment.c.message_id == message_id, attachment.c.is_report.is_(True)
        )
    )
    return found is not None


async def follow(
    uow: UnitOfWork, row: Mapping[str, Any], outcome: Outcome, *, now: datetime
) -> None:
    """A letter's report joins its print tag's queue (the message stays ``queued`` until
    it is printed); any other outcome has nothing to print. Its files must be stored."""
    if not isinstance(outcome, SendLetter):
        return
    report = (
        await uow.session.execute(
            select(attachment.c.id, attachment.c.file_name)
            .where(attachment.c.message_id == row["id"], attachment.c.is_report.is_(True))
            .order_by(attachment.c.position)
            .limit(1)
        )
    ).first()
    assert report is not None, "a letter is decided only for a message with a report"
    await uow.session.execute(
        print_job.insert().values(
            id=uuid.uuid4(),
            message_id=row["id"],
            attachment_id=report.id,
            print_tag=row.get("print_tag") or domain.UNTAGGED,
            org_unit_id=row["org_unit_id"],
            customer_id=row["customer_id"],
            file_name=report.file_name,
            created_at=now,
        )
    )


def _seen(visible: visibility.Visible) -> list[ColumnElement[bool]]:
    if visible is None:
        return []
    return [or_(print_job.c.org_unit_id.is_(None), print_job.c.org_unit_id.in_(visible))]


def _jobs() -> Select[Any]:
    return select(
        print_job,
        message.c.requester,
        message.c.requester_reference,
        customer.c.name.label("customer_name"),
    ).select_from(
        print_job.join(message, message.c.id == print_job.c.message_id).outerjoin(
            customer, customer.c.id == print_job.c.customer_id
        )
    )


async def list_jobs(
    uow: UnitOfWork,
    *,
    print_tag: str | None,
    printed: bool | None,
    visible: visibility.Visible,
    cursor: str | None,
    limit: int,
) -> PrintJobPage:
    """A page of the queue, oldest first: one print tag's (``""`` the untagged) or every
    tag's; unprinted, printed or both."""
    query = _jobs().where(*_seen(visible))
    if print_tag is not None:
        query = query.where(print_job.c.print_tag == print_tag)
    if printed is not None:
        query = query.where(
            print_job.c.printed_at.is_not(None) if printed else print_job.c.printed_at.is_(None)
        )
    rows, next_cursor = await keyset.page(
        uow.session,
        query,
        (print_job.c.created_at, print_job.c.id),
        (datetime, uuid.UUID),
        ORDER,
        cursor,
        limit,
    )
    return PrintJobPage(items=[PrintJobOut.from_row(r) for r in rows], next_cursor=next_cursor)


async def tags(uow: UnitOfWork, visible: visibility.Visible) -> list[PrintTagOut]:
    """Every print tag with unprinted reports, and how many."""
    rows = (
        await uow.session.execute(
            select(print_job.c.print_tag, func.count())
            .where(print_job.c.printed_at.is_(None), *_seen(visible))
            .group_by(print_job.c.print_tag)
            .order_by(print_job.c.print_tag)
        )
    ).all()
    return [PrintTagOut(print_tag=tag, unprinted=count) for tag, count in rows]


async def job_pdf(
    uow: UnitOfWork, job_id: uuid.UUID, visible: visibility.Visible
) -> tuple[str, bytes]:
    """One job's report: its file name and bytes; 404 when not there or not seen."""
    row = (
        await uow.session.execute(
            select(print_job.c.org_unit_id, attachment.c.file_name, attachment.c.content)
            .select_from(print_job.join(attachment, attachment.c.id == print_job.c.attachment_id))
            .where(print_job.c.id == job_id)
        )
    ).first()
    not_found = f"no print job with id {job_id}"
    if row is None:
        raise NotFound(not_found)
    visibility.require_seen(visible, row.org_unit_id, not_found)
    return row.file_name, bytes(row.content)


async def batch_pdf(
    uow: UnitOfWork,
    *,
    ids: Sequence[uuid.UUID],
    print_tag: str | None,
    visible: visibility.Visible,
) -> tuple[str, bytes, list[uuid.UUID]]:
    """The chosen jobs (``ids``), or every unprinted job of ``print_tag``, oldest first,
    merged into one PDF: its file name, bytes and the jobs in it (at most ``MAX_BATCH``;
    ids the caller may not see or that do not exist are a 404, nothing is marked)."""
    if bool(ids) == (print_tag is not None):
        raise Unprocessable("name the jobs (id) or a print tag (print_tag), not both", field="id")
    query = (
        select(print_job.c.id, print_job.c.print_tag, attachment.c.content)
        .select_from(print_job.join(attachment, attachment.c.id == print_job.c.attachment_id))
        .where(*_seen(visible))
        .order_by(print_job.c.created_at, print_job.c.id)
    )
    if ids:
        if len(ids) > domain.MAX_BATCH:
            raise Unprocessable(f"at most {domain.MAX_BATCH} jobs at once", field="id")
        query = query.where(print_job.c.id.in_(ids))
    else:
        query = query.where(
            print_job.c.print_tag == print_tag, print_job.c.printed_at.is_(None)
        ).limit(domain.MAX_BATCH)
    rows = (await uow.session.execute(query)).all()
    if ids:
        missing = set(ids) - {r.id for r in rows}
        if missing:
            raise NotFound(f"no print job with id {sorted(missing, key=str)[0]}")
    if not rows:
        raise NotFound(f"nothing to print for print tag {print_tag!r}")
    tag = print_tag if print_tag is not None else rows[0].print_tag
    merged = domain.merge([bytes(r.content) for r in rows])
    return domain.batch_file_name(tag, len(rows)), merged, [r.id for r in rows]


async def mark_printed(
    uow: UnitOfWork,
    ids: Sequence[uuid.UUID],
    *,
    by: str,
    visible: visibility.Visible,
    now: datetime,
) -> MarkPrintedOut:
    """Mark jobs printed: each message becomes ``sent`` (channel ``letter``) and its
    requester hears ``MessageSent``. Jobs already printed, unknown or out of sight are
    skipped; a repeat changes nothing."""
    rows = (
        await uow.session.execute(
            select(print_job)
            .where(print_job.c.id.in_(ids), print_job.c.printed_at.is_(None), *_seen(visible))
            .order_by(print_job.c.id)
            .with_for_update()
        )
    ).all()
    printed = []
    for job in rows:  # locked in id order, so two offices marking at once never deadlock
        await uow.session.execute(
            update(print_job).where(print_job.c.id == job.id).values(printed_at=now, printed_by=by)
        )
        row = await messages.load(uow, job.message_id, lock=True)
        if row is not None and row["status"] == MessageStatus.QUEUED:
            await outcomes.record_sent(
                uow, row, Channel.LETTER, domain.sent_to(job.print_tag), now=now
            )
        printed.append(job.id)
    await uow.commit()
    done = set(printed)
    asked = list(dict.fromkeys(ids))  # the request's order, each once
    return MarkPrintedOut(
        printed=[i for i in asked if i in done], skipped=[i for i in asked if i not in done]
    )
