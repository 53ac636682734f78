from aftersales_kit.messaging_tables import messaging_metadata
from aftersales_kit.migrations import run_env
from campaigns.settings import Settings
from campaigns.tables import metadata

run_env([metadata, messaging_metadata], Settings().database_url)
