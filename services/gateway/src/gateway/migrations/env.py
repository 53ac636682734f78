from aftersales_kit.migrations import run_env
from gateway.settings import Settings
from gateway.tables import metadata

# No messaging_metadata: the gateway publishes and consumes nothing.
run_env([metadata], Settings().database_url)
