from advanced_alchemy.extensions.litestar.providers import create_service_dependencies

from transcribe.domain.jobs.services import JobService

job_service_deps = create_service_dependencies(JobService, key="jobs_service")
