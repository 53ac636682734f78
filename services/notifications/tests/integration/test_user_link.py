"""A ``user_link`` message (seed 004: recipients who are users of the system get a direct
link to the order, others the PDF): over HTTP and the real SMTP sink."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from fastapi import FastAPI

from aftersales_testing.builders import email_address, unique
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.waiting import eventually

from .helpers import send_body

LINK = {"url": "https://aftersales.example/service-orders/42", "text": "Open SO-000042"}
PDF = b"%PDF-1.4 the protocol"


def _with_pdf(to: list[str], **more: Any) -> dict[str, Any]:
    return send_body(
        recipient={"emails": to},
        content={"email_subject": "Service protocol SO-000042", "email_body": "Hello,\n\nhere."},
        values={},
        attachments=[
            {
                "file_name": "protocol-SO-000042.pdf",
                "media_type": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
        user_link=LINK,
        **more,
    )


async def _user(client: httpx.AsyncClient, email: str, *, active: bool = True) -> None:
    pushed = await client.put(
        f"/user-accounts/{unique('user-')}",
        json={
            "version": 1,
            "display_name": "A User",
            "email": email.upper(),  # compared without case
            "mobile": None,
            "roles": ["operator"],
            "org_units": [],
            "active": active,
        },
    )
    assert pushed.status_code == 200, pushed.text


async def _mail(sink: SmtpSink, to: str) -> Any:
    async def found() -> list[Any]:
        return [m for m in sink.messages() if to in str(m["To"])]

    return (await eventually(found))[0]


async def test_a_user_gets_the_link_and_no_attachment(
    client: httpx.AsyncClient, sender_app: FastAPI, sink: SmtpSink
) -> None:
    user = email_address()
    await _user(client, user)
    sent = await client.post("/messages", json=_with_pdf([user]))
    assert sent.status_code == 202, sent.text
    mail = await _mail(sink, user)
    assert list(mail.iter_attachments()) == []
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert f'href="{LINK["url"]}"' in html
    assert f">{LINK['text']}</a>" in html
    assert f"{LINK['text']}: {LINK['url']}" in text
    # Kept with the message, not mailed.
    files = (await client.get(f"/messages/{sent.json()['id']}/attachments")).json()
    assert [(f["file_name"], f["attach"]) for f in files] == [("protocol-SO-000042.pdf", False)]


async def test_someone_else_gets_the_pdf_and_no_link(
    client: httpx.AsyncClient, sender_app: FastAPI, sink: SmtpSink
) -> None:
    outsider, user, inactive = email_address(), email_address(), email_address()
    await _user(client, user)
    await _user(client, inactive, active=False)
    for to in ([outsider], [user, outsider], [inactive]):
        await client.post("/messages", json=_with_pdf(to))
        mail = await _mail(sink, to[-1])
        parts = list(mail.iter_attachments())
        assert [p.get_filename() for p in parts] == ["protocol-SO-000042.pdf"], to
        assert parts[0].get_content() == PDF
        assert LINK["url"] not in mail.get_body(("plain",)).get_content()


async def test_a_bad_link_is_refused_by_field(client: httpx.AsyncClient) -> None:
    for bad, field in (
        ({"url": "javascript:alert(1)", "text": "x"}, "user_link.url"),
        ({"url": "https://x.example/a", "text": ""}, "user_link.text"),
    ):
        answer = await client.post("/messages", json=send_body(user_link=bad))
        assert answer.status_code == 422, answer.text
        assert field in [e["field"] for e in answer.json()["errors"]], answer.json()
