"""Whether InvokeEndpointAsync can be given an uploaded object's S3 URI as its InputLocation.

S3 takes any UTF-8 key up to 1,024 bytes; InvokeEndpointAsync takes an InputLocation of at most 1,024
characters (as its service model counts them: UTF-16 code units) matching `^(https|s3)://([^/]+)/?(.*)$`,
whose `.` (a Java pattern) matches no line terminator: a key with a carriage return, a line feed, NEL,
or a line or paragraph separator can never be sent (nor carried in the HTTP header). Such an upload
fails at once with the key's problem named; a retry cannot help, only a new upload under another name.
"""

from __future__ import annotations

from precis_core.domain.models import InvalidArticle

MAX_INPUT_LOCATION = 1024
_LINE_TERMINATORS = {
    "\r": "a carriage return (CR)",
    "\n": "a line feed (LF)",
    "\u0085": "a next-line character (U+0085)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}


def check_input_location(location: str) -> None:
    """InvalidArticle naming why `location` (s3://bucket/key) cannot be an InputLocation, if it cannot."""
    for position, character in enumerate(location):
        if character in _LINE_TERMINATORS:
            raise InvalidArticle(
                f"the object's key has {_LINE_TERMINATORS[character]} at character {position + 1} of its "
                "S3 URI, which SageMaker's InvokeEndpointAsync cannot take in an InputLocation; upload it "
                "again under a name without line breaks"
            )
    length = len(location.encode("utf-16-le")) // 2
    if length > MAX_INPUT_LOCATION:
        raise InvalidArticle(
            f"the object's S3 URI is {length:,} characters long, over the {MAX_INPUT_LOCATION:,} SageMaker's "
            f"InvokeEndpointAsync takes as an InputLocation; upload it again under a key at least "
            f"{length - MAX_INPUT_LOCATION:,} characters shorter"
        )
