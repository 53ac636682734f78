"""HTTP route of the user accounts the gateway pushes (``PUT /user-accounts/{username}``).

Not a public resource: the gateway's route table does not forward it, so only the gateway
itself (signing as an admin) or a registered client with the admin role reaches it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from aftersales_kit.http import ClockDep, UnitOfWorkDep, problem_responses
from notifications.user_accounts import handlers
from notifications.user_accounts.schemas import UserAccountIn, UserAccountOut
from notifications.visibility import require_admin

Username = Annotated[str, Path(min_length=1, max_length=150, pattern=r"^\S+$")]

router = APIRouter(
    prefix="/user-accounts",
    tags=["user accounts"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(403, s403="not an admin (only the gateway pushes accounts)"),
)


@router.put("/{username}")
async def put_user_account(
    username: Username, body: UserAccountIn, uow: UnitOfWorkDep, clock: ClockDep
) -> UserAccountOut:
    """The gateway's account of ``username``: its addresses, roles, org units and whether
    it is active. A version older than the stored one is answered but not applied."""
    return await handlers.put_account(uow, username, body, now=clock.now())


routers = [router]
