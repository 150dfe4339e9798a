"""The submit function refuses what the inference script would refuse: both copies of the limits agree.

The Lambda layer and the model archive ship apart, so neither can import the other's module."""

from __future__ import annotations

from precis_core.domain import limits as submit_limits
from precis_summarizer import limits as endpoint_limits
from precis_summarizer import request


def test_the_submit_function_checks_the_endpoints_limits():
    assert submit_limits.MAX_BODY_BYTES == endpoint_limits.MAX_BODY_BYTES
    assert submit_limits.MAX_INPUTS == endpoint_limits.MAX_INPUTS
    assert submit_limits.MAX_NUMBER_DIGITS == endpoint_limits.MAX_NUMBER_DIGITS
    assert submit_limits.PARAMETER_LIMITS == endpoint_limits.PARAMETER_LIMITS
    assert submit_limits.ARTICLE_METADATA == request.ARTICLE_METADATA
