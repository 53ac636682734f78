"""``make demo``: the main journey against the running system (``make run``), narrated."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from aftersales_testing import journey

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("AFTERSALES_GATEWAY_URL", "http://127.0.0.1:8000")


async def main() -> None:
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
        try:
            await client.get("/healthz")
        except httpx.HTTPError:
            sys.exit(f"No gateway at {GATEWAY}: start the system with `make run` first.")
        unauthenticated = await client.get("/api/callouts")
        print(f"Without a token the gateway answers {unauthenticated.status_code}.")
        await journey.login(client, "dev", os.environ.get("GATEWAY_DEV_PASSWORD", "dev"))
        print("Logged in as the development user.\n")
        for approval in ("automatic", "manual"):
            print(f"--- Journey with {approval} approval ---")
            result = await journey.run(client, approval=approval)
            for step in result.steps:
                print(f"  * {step}")
        print(f"\nThe rendered message, as notifications stored it ({result.message['id']}):")
        print(f"  Subject: {result.message.get('subject')}")
        address = result.customer["emails"][0]
        mail = journey.find_mail(ROOT / "var" / "mail", address)
        if mail is None:
            print(f"\n(no mail for {address} in var/mail: is the SMTP sink from `make run` up?)")
            return
        print(f"\nThe e-mail exactly as {address} received it ({mail.relative_to(ROOT)}):\n")
        print(mail.read_text(errors="replace"))


if __name__ == "__main__":
    asyncio.run(main())
