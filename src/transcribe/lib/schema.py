import msgspec

# PostgreSQL text cannot hold NUL: refuse it at the edge (400) instead of failing in the database.
NoNul = msgspec.Meta(pattern=r"^[^\x00]*$", description="no NUL characters")


class Schema(msgspec.Struct, forbid_unknown_fields=True, rename=None):
    """Base for request and response bodies: unknown fields are a 400, not silently dropped."""
