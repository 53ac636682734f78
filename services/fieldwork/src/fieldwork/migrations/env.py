from aftersales_kit.messaging_tables import messaging_metadata
from aftersales_kit.migrations import run_env
from fieldwork.settings import Settings
from fieldwork.tables import metadata

run_env([metadata, messaging_metadata], Settings().database_url)
