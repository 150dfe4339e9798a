"""What the S3 adapters (`articles`, `results`) share: which error says the object is not there."""

from __future__ import annotations

from botocore.exceptions import ClientError

# GetObject answers NoSuchKey (NoSuchVersion for a VersionId); HeadObject, having no body, a bare 404.
_MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "NotFound", "404"})


def is_missing(error: ClientError) -> bool:
    """Whether an S3 error means the object (or the version asked for) does not exist."""
    return error.response.get("Error", {}).get("Code") in _MISSING
