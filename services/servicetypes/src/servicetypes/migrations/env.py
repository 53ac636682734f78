from aftersales_kit.messaging_tables import messaging_metadata
from aftersales_kit.migrations import run_env
from servicetypes.settings import Settings
from servicetypes.tables import metadata

run_env([metadata, messaging_metadata], Settings().database_url)
