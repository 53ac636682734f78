"""Bulk import through the HTTP API and the command line, against the real database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from aftersales_testing.waiting import eventually
from catalog import imports, tables
from catalog.importing import FileFormat, ImportKind
from catalog.settings import Settings

from .helpers import customer, imported_sets, n, org_unit, outbox, product

CSV = {"Content-Type": "text/csv"}
JSONL = {"Content-Type": "application/x-ndjson"}


async def finished(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        job = (await client.get(f"/imports/{job_id}")).json()
        return job if job["state"] in ("completed", "failed") else None

    job = await eventually(probe, what=f"import {job_id} finished")
    assert job is not None
    return job


async def run_import(
    client: httpx.AsyncClient, kind: str, body: str, headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(f"/imports/{kind}", content=body.encode(), headers=headers)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/imports/{response.json()['id']}"
    return await finished(client, response.json()["id"])


async def errors(client: httpx.AsyncClient, job_id: str) -> list[tuple[int, str | None]]:
    page = (await client.get(f"/imports/{job_id}/errors")).json()
    return [(e["line"], e["field"]) for e in page["items"]]


async def by_number(client: httpx.AsyncClient, number: str) -> dict[str, Any] | None:
    """The customer with that number, as the API shows it."""
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessionmaker() as session:
        customer_id = await session.scalar(
            select(tables.customer.c.id).where(tables.customer.c.customer_number == number)
        )
    if customer_id is None:
        return None
    return dict((await client.get(f"/customers/{customer_id}")).json())


async def test_customers_csv_with_good_and_bad_rows(client: httpx.AsyncClient) -> None:
    p = n()
    body = (
        "customer_number,name,emails,mobiles,allowed_methods,preferred_method,kind\n"
        f"{p}-1,Ada,ada@example.com,+46701234567,email;sms,sms,person\n"
        f"{p}-2,Bob,not-an-email,,,,\n"
        f"{p}-3,,,,,,\n"
        f"{p}-4,Cy,,0701234567,,,\n"
        f"{p}-5,Di,di@example.com,,email,sms,\n"
        f"{p}-6,Ed,,,,,robot\n"
        f"{p}-7,Fay,fay@example.com,,,,company,extra\n"
        f'{p}-8,Gus,"gus@example.com, gus@example.org",,,,\n'
    )
    job = await run_import(client, "customers", body, CSV)
    assert job["state"] == "completed", job
    assert (job["created"], job["updated"], job["unchanged"], job["failed"]) == (2, 0, 0, 6)
    assert job["lines_done"] == 9
    assert job["bytes_done"] == job["size_bytes"] == len(body)
    assert await errors(client, job["id"]) == [
        (3, "emails.0"),
        (4, "name"),
        (5, "mobiles"),
        (6, "preferred_method"),
        (7, "kind"),
        (8, None),
    ]
    page = (await client.get(f"/imports/{job['id']}/errors", params={"limit": 2})).json()
    assert [e["line"] for e in page["items"]] == [3, 4]
    rest = (
        await client.get(
            f"/imports/{job['id']}/errors", params={"cursor": page["next_cursor"], "limit": 10}
        )
    ).json()
    assert [e["line"] for e in rest["items"]] == [5, 6, 7, 8]
    assert rest["next_cursor"] is None
    assert "3 cells" not in rest["items"][-1]["message"]  # 8 cells where the header has 7

    ada = await by_number(client, f"{p}-1")
    assert ada is not None
    assert ada["mobiles"] == ["+46701234567"]
    assert ada["kind"] == "person"
    assert ada["allowed_methods"] == ["email", "sms"]
    assert ada["version"] == 1
    gus = await by_number(client, f"{p}-8")
    assert gus is not None
    assert gus["emails"] == ["gus@example.com", "gus@example.org"]
    # The customers the file created are announced together: one set event, no single ones.
    assert await outbox(client, "catalog.customer.registered", "customer_number", f"{p}-1") == []
    [announced] = await imported_sets(
        client, "catalog.customers.registered", "customers", "customer_number", f"{p}-1"
    )
    created = {c["customer_number"]: c for c in announced}
    assert created.keys() == {f"{p}-1", f"{p}-8"}  # the good rows
    assert created[f"{p}-1"]["preferred_method"] == "sms"
    assert created[f"{p}-1"]["version"] == 1


async def test_a_reimport_changes_only_what_differs(client: httpx.AsyncClient) -> None:
    p = n()
    body = f"customer_number,name,language\n{p}-1,Ada,sv\n{p}-2,Bob,en\n"
    first = await run_import(client, "customers", body, CSV)
    assert (first["created"], first["failed"]) == (2, 0)
    again = await run_import(client, "customers", body, CSV)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    # Only the named column changes; the customer's other fields stay as they are.
    changed = await run_import(client, "customers", f"customer_number,language\n{p}-2,de\n", CSV)
    assert (changed["updated"], changed["unchanged"]) == (1, 0)
    bob = await by_number(client, f"{p}-2")
    assert bob is not None
    assert (bob["name"], bob["language"], bob["version"]) == ("Bob", "de", 2)
    events = await outbox(client, "catalog.customer.changed", "customer_number", f"{p}-2")
    assert [e["version"] for e in events] == [2]
    assert await outbox(client, "catalog.customer.changed", "customer_number", f"{p}-1") == []
    [reach] = await outbox(
        client, "catalog.customer.communication_changed", "customer_number", f"{p}-2"
    )
    assert reach["changed_fields"] == ["language"]


async def test_a_key_twice_in_one_file_is_created_then_updated(client: httpx.AsyncClient) -> None:
    p = n()
    body = (
        json.dumps({"customer_number": f"{p}-1", "name": "First"})
        + "\n"
        + json.dumps({"customer_number": f"{p}-1", "name": "Second"})
        + "\n"
    )
    job = await run_import(client, "customers", body, JSONL)
    assert (job["created"], job["updated"]) == (1, 1)
    one = await by_number(client, f"{p}-1")
    assert one is not None
    assert (one["name"], one["version"]) == ("Second", 2)


async def test_serial_items_jsonl(client: httpx.AsyncClient) -> None:
    owner, other = await customer(client), await customer(client)
    pump = await product(client, name="Pump")
    unit = await org_unit(client)
    s = n()

    def line(**fields: Any) -> str:
        return json.dumps({"product_number": pump["product_number"]} | fields) + "\n"

    body = (
        line(
            serial_number=f"{s}-1",
            owner_customer_number=owner["customer_number"],
            initial_order_customer_number=other["customer_number"],
            org_unit_code=unit["code"],
            startup_date="2026-03-01",
            installation_address={
                "street": "Main 1",
                "postal_code": "22100",
                "city": "Lund",
                "country": "SE",
            },
            attributes={"colour": "red"},
        )
        + line(serial_number=f"{s}-2", owner_customer_number=owner["customer_number"])
        + line(serial_number=f"{s}-3")  # a new item without an owner
        + json.dumps(
            {
                "product_number": "NOPE",
                "serial_number": "x",
                "owner_customer_number": owner["customer_number"],
            }
        )
        + "\n"
        + line(serial_number=f"{s}-4", owner_customer_number="NOBODY")
        + line(
            serial_number=f"{s}-5",
            owner_customer_number=owner["customer_number"],
            org_unit_code="NOWHERE",
        )
        + line(
            serial_number=f"{s}-6",
            owner_customer_number=owner["customer_number"],
            startup_date="2026-02-30",
        )
    )
    job = await run_import(client, "serial-items", body, JSONL)
    assert (job["created"], job["failed"]) == (2, 5), job
    assert await errors(client, job["id"]) == [
        (3, "owner_customer_number"),
        (4, "product_number"),
        (5, "owner_customer_number"),
        (6, "org_unit_code"),
        (7, "startup_date"),
    ]
    items = (
        await client.get(
            "/serial-items", params={"product_id": pump["id"], "sort": "serial_number"}
        )
    ).json()["items"]
    first, _second = items
    assert first["name"] == "Pump"
    assert first["org_unit_id"] == unit["id"]
    assert first["org_unit"] == unit["code"]
    assert first["initial_order_customer_id"] == other["id"]
    assert first["installation_address"]["city"] == "Lund"
    assert first["attributes"] == {"colour": "red"}
    [announced] = await imported_sets(
        client, "catalog.serial_items.registered", "items", "serial_number", f"{s}-1"
    )
    [registered] = [i for i in announced if i["serial_number"] == f"{s}-1"]
    assert registered["product_number"] == pump["product_number"]
    assert registered["owner_customer_id"] == owner["id"]

    # A second file: a new owner for item 1, item 2 deactivated, and a cleared reference.
    body = line(
        serial_number=f"{s}-1",
        owner_customer_number=other["customer_number"],
        initial_order_customer_number=None,
    ) + line(serial_number=f"{s}-2", status="inactive")
    job = await run_import(client, "serial-items", body, JSONL)
    assert (job["updated"], job["failed"]) == (2, 0), job
    [moved] = await outbox(client, "catalog.serial_item.owner_changed", "serial_number", f"{s}-1")
    assert moved["previous_owner_customer_id"] == owner["id"]
    assert moved["owner_customer_id"] == other["id"]
    assert moved["initial_order_customer_id"] is None
    assert moved["org_unit_id"] == unit["id"]
    assert moved["version"] == 2
    [gone] = await outbox(client, "catalog.serial_item.deactivated", "serial_number", f"{s}-2")
    assert gone["version"] == 2


async def test_serial_items_csv(client: httpx.AsyncClient) -> None:
    owner = await customer(client)
    pump = await product(client)
    s = n()
    body = (
        "product_number,serial_number,owner_customer_number,street,postal_code,city,country,"
        "name.sv,attr.colour\n"
        f"{pump['product_number']},{s},{owner['customer_number']},Main 1,22100,Lund,SE,Pump SV,"
        "blue\n"
        f"{pump['product_number']},{s}-2,{owner['customer_number']},Main 1,,Lund,SE,,\n"
    )
    job = await run_import(client, "serial-items", body, CSV)
    assert (job["created"], job["failed"]) == (1, 1), job
    assert await errors(client, job["id"]) == [(3, "installation_address.postal_code")]
    [item] = (await client.get("/serial-items", params={"serial_number": s})).json()["items"]
    assert item["translations"] == {"sv": "Pump SV"}
    assert item["attributes"] == {"colour": "blue"}


async def test_serial_items_csv_action_code(client: httpx.AsyncClient) -> None:
    """Issue 17, item 8: the action_code column sets it; an empty cell leaves it."""
    owner = await customer(client)
    pump = await product(client)
    s = n()
    head = "product_number,serial_number,owner_customer_number,action_code\n"
    key = f"{pump['product_number']},{s},{owner['customer_number']}"
    job = await run_import(client, "serial-items", head + f"{key},INSP\n", CSV)
    assert job["created"] == 1, job
    [item] = (await client.get("/serial-items", params={"serial_number": s})).json()["items"]
    assert item["action_code"] == "INSP"
    job = await run_import(client, "serial-items", head + f"{key},\n", CSV)
    [item] = (await client.get("/serial-items", params={"serial_number": s})).json()["items"]
    assert item["action_code"] == "INSP"
    other = f"{pump['product_number']},{s}-2,{owner['customer_number']}"
    job = await run_import(client, "serial-items", head + f"{other},{'X' * 51}\n", CSV)
    assert job["failed"] == 1, job
    assert await errors(client, job["id"]) == [(2, "action_code")]


async def test_a_bad_header_fails_the_job_and_imports_nothing(client: httpx.AsyncClient) -> None:
    job = await run_import(client, "customers", "customer_number,nmae\nC1,Ada\n", CSV)
    assert job["state"] == "failed"
    assert "unknown column 'nmae'" in job["error"]
    assert job["created"] == 0


async def test_a_file_that_is_not_utf8_fails_with_the_byte(client: httpx.AsyncClient) -> None:
    body = b"customer_number,name\n" + b"C1,\xff\n"
    response = await client.post("/imports/customers", content=body, headers=CSV)
    job = await finished(client, response.json()["id"])
    assert job["state"] == "failed"
    assert "not UTF-8 text (byte 24)" in job["error"]


@pytest.mark.parametrize(
    ("path", "headers", "body", "status", "field"),
    [
        ("/imports/customers", {"Content-Type": "application/pdf"}, b"x", 415, "Content-Type"),
        ("/imports/customers", CSV, b"", 400, "body"),
        ("/imports/customers?format=xml", CSV, b"x", 422, "query.format"),
        ("/imports/products", CSV, b"x", 422, "path.what"),
    ],
)
async def test_bad_uploads(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    field: str | None,
) -> None:
    response = await client.post(path, content=body, headers=headers)
    assert response.status_code == status, response.text
    if field is not None:
        assert response.json()["field"] == field


async def test_the_file_name_names_the_format(client: httpx.AsyncClient) -> None:
    p = n()
    response = await client.post(
        "/imports/customers?file_name=list.jsonl",
        content=json.dumps({"customer_number": p, "name": "Ada"}).encode(),
        headers={"Content-Type": "application/octet-stream", "X-Aftersales-User": "dev"},
    )
    job = await finished(client, response.json()["id"])
    assert (job["format"], job["file_name"], job["requested_by"], job["created"]) == (
        "jsonl",
        "list.jsonl",
        "dev",
        1,
    )
    listed = (await client.get("/imports", params={"kind": "customers", "limit": 5})).json()
    assert job["id"] in [j["id"] for j in listed["items"]]


async def test_jobs_page_the_latest_first(client: httpx.AsyncClient) -> None:
    p = n()
    made = [
        (await run_import(client, "customers", f"customer_number,name\n{p}-{i},Ada\n", CSV))["id"]
        for i in range(3)
    ]
    first = (await client.get("/imports", params={"kind": "customers", "limit": 2})).json()
    rest = (
        await client.get(
            "/imports", params={"kind": "customers", "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    listed = [j["id"] for j in first["items"] + rest["items"]]
    # The three newest in order, the rest of the session's jobs after them.
    assert listed[:3] == made[::-1]
    for params, field in (({"cursor": "x"}, "query.cursor"), ({"limit": 501}, "query.limit")):
        bad = await client.get("/imports", params=params)
        assert (bad.status_code, bad.json()["field"]) == (422, field)
        bad = await client.get(f"/imports/{made[0]}/errors", params=params)
        assert (bad.status_code, bad.json()["field"]) == (422, field)


async def test_unknown_job(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/imports/{uuid.uuid4()}")
    assert response.status_code == 404
    response = await client.get(f"/imports/{uuid.uuid4()}/errors")
    assert response.status_code == 404
    response = await client.get("/imports/not-a-uuid")
    assert response.status_code == 422


async def test_a_leased_job_waits_and_a_resumed_job_skips_committed_lines(
    client: httpx.AsyncClient,
) -> None:
    """A job another runner holds is left alone; once free it is taken over and resumes
    after the last committed line, as after a crash."""
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    p = n()
    body = f"customer_number,name\n{p}-1,Ada\n{p}-2,Bob\n"
    job_id = uuid.uuid4()
    async with imports.leased(runtime.engine, job_id) as held:
        assert held
        async with runtime.uow() as uow:
            await imports.create_job(
                uow,
                ImportKind.CUSTOMERS,
                FileFormat.CSV,
                imports.JobSource.UPLOAD,
                job_id=job_id,
            )

            async def body_pieces() -> Any:
                yield body.encode()

            await imports.store_upload(uow, job_id, body_pieces(), 1000)
            # As if a runner had committed line 2 and died.
            await uow.session.execute(
                update(tables.import_job)
                .where(tables.import_job.c.id == job_id)
                .values(state="running", lines_done=2, created=1)
            )
            await uow.commit()
        # A runner's pass over the waiting jobs, done here so that it is over when we look
        # (the service's own runner may pass too: it cannot take the job either).
        await imports.run_next_job(runtime.engine, runtime.uow)
        assert (await client.get(f"/imports/{job_id}")).json()["state"] == "running"
    client._transport.app.state.import_wakeup.set()  # type: ignore[attr-defined]
    job = await finished(client, str(job_id))
    assert (job["state"], job["created"], job["lines_done"]) == ("completed", 2, 3)
    assert await by_number(client, f"{p}-1") is None  # line 2 was "done" before: skipped
    assert await by_number(client, f"{p}-2") is not None


def _cli_env(settings: Settings) -> dict[str, str]:
    return os.environ | {"CATALOG_DATABASE_URL": settings.database_url}


async def test_command_line_import(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    p = n()
    path = tmp_path / "customers.csv"
    path.write_text(f"customer_number,name,emails\n{p}-1,Ada,\n{p}-2,Bob,nope\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "catalog.import_cli",
        "customers",
        str(path),
        "--quiet",
        env=_cli_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 2, err.decode()
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in out.decode()
    assert "line 3: emails.0:" in err.decode()
    assert await by_number(client, f"{p}-1") is not None
    jobs = (await client.get("/imports", params={"limit": 5})).json()["items"]
    assert jobs[0]["source"] == "cli"
    assert jobs[0]["file_name"] == "customers.csv"


async def test_an_abandoned_command_line_job_is_marked_failed(client: httpx.AsyncClient) -> None:
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.uow() as uow:
        job_id = await imports.create_job(
            uow, ImportKind.CUSTOMERS, FileFormat.CSV, imports.JobSource.CLI
        )
        await uow.commit()
    client._transport.app.state.import_wakeup.set()  # type: ignore[attr-defined]
    job = await finished(client, str(job_id))
    assert job["state"] == "failed"
    assert "stopped before the end" in job["error"]


async def test_a_serial_item_needs_its_product_first(client: httpx.AsyncClient) -> None:
    """References resolve against what is committed: import customers and products first."""
    owner = await customer(client)
    body = json.dumps(
        {
            "product_number": f"P-{n()}",
            "serial_number": "S",
            "owner_customer_number": owner["customer_number"],
        }
    )
    job = await run_import(client, "serial-items", body, JSONL)
    assert job["failed"] == 1
    [message] = (await client.get(f"/imports/{job['id']}/errors")).json()["items"]
    assert message["message"].startswith("product_number: no product")
