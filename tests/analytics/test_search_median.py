"""search's own median (which spares each search np.median's import of numpy.ma) is np.median's value,
to the bit: odd and even lengths, ties, one value, a collection-sized array."""

from __future__ import annotations

import numpy as np
import pytest

from precis.analytics.search import _median


@pytest.mark.parametrize("size", [1, 2, 3, 4, 11, 1_000, 1_001, 100_000])
def test_the_median_is_numpys(size):
    rng = np.random.default_rng(size)
    for _ in range(20):
        values = rng.standard_normal(size).astype(np.float32)
        assert _median(values) == float(np.median(values))
        tied = np.round(values, 1)  # many equal values around the middle
        assert _median(tied) == float(np.median(tied))
