from advanced_alchemy.extensions.litestar.providers import create_service_dependencies

from transcribe.domain.accounts.services import UserService

user_service_deps = create_service_dependencies(UserService, key="users_service")
