import msgspec


class Schema(msgspec.Struct, forbid_unknown_fields=True, rename=None):
    """Base for request and response bodies: unknown fields are a 400, not silently dropped."""
