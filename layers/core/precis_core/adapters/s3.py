"""What the S3 adapters (`articles`, `results`) share: which error says the object is not there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:  # the stubs are a dev dependency: the layer needs none of them at run time
    from mypy_boto3_s3 import S3Client

# GetObject answers NoSuchKey (NoSuchVersion for a VersionId); HeadObject, having no body, a bare 404.
_MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "NotFound", "404"})


def is_missing(error: ClientError) -> bool:
    """Whether an S3 error means the object (or the version asked for) does not exist."""
    return error.response.get("Error", {}).get("Code") in _MISSING


def object_exists(client: S3Client, bucket: str, key: str) -> bool:
    """Whether the object's current version is there (HeadObject; other errors propagate)."""
    try:
        client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if is_missing(error):
            return False
        raise
    return True
