from aftersales_kit.messaging_tables import messaging_metadata
from aftersales_kit.migrations import run_env
from catalog.settings import Settings
from catalog.tables import metadata

run_env([metadata, messaging_metadata], Settings().database_url)
