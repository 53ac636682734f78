"""The API's typed dependencies of its own (the kit's are in ``aftersales_kit.http``)."""

from typing import Annotated

from fastapi import Depends, Request

from aftersales_kit.http import settings_of
from notifications.sending.groups import SendGroups
from notifications.settings import Settings

SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]


async def _send_groups(request: Request) -> SendGroups:
    # async: FastAPI runs a plain function dependency in a worker thread, a thread hop
    # for every request.
    groups: SendGroups = request.app.state.send_groups
    return groups


SendGroupsDep = Annotated[SendGroups, Depends(_send_groups)]
