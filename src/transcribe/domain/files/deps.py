from advanced_alchemy.extensions.litestar.providers import create_service_dependencies

from transcribe.domain.files.services import UploadService

upload_service_deps = create_service_dependencies(UploadService, key="uploads_service")
