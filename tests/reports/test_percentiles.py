"""The Python percentile (SQLite) follows PostgreSQL's percentile_cont definition."""

import pytest

from reports.stats import percentile


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([10, 20, 30, 40, 100], 0.5, 30),
        ([10, 20, 30, 40, 100], 0.9, 76),  # 40 + 0.6 × (100 − 40)
        ([1, 2, 3, 4], 0.5, 2.5),
        ([7], 0.9, 7),
        ([5, 1, 3], 0.0, 1),
        ([5, 1, 3], 1.0, 5),
    ],
)
def test_percentile_interpolates_between_closest_ranks(values, fraction, expected):
    assert percentile(values, fraction) == pytest.approx(expected)


def test_no_values_no_percentile():
    assert percentile([], 0.5) is None
