from tests.integration.jobs.conftest import worker  # noqa: F401 - a stub-engine worker for retries
