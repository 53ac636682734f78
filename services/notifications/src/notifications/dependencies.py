"""The API's typed dependencies of its own (the kit's are in ``aftersales_kit.http``)."""

from typing import Annotated

from fastapi import Depends

from aftersales_kit.http import settings_of
from notifications.settings import Settings

SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]
