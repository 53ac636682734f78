from aftersales_kit.messaging_tables import messaging_metadata
from aftersales_kit.migrations import run_env
from notifications.settings import Settings
from notifications.tables import metadata

run_env([metadata, messaging_metadata], Settings().database_url)
