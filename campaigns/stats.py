"""The comparison of the sent group with the holdout."""

import math
from dataclasses import dataclass

Z95 = 1.959964  # the standard normal's 97.5th percentile: a two-sided 95% interval


@dataclass(frozen=True)
class Uplift:
    """Difference of proportions, sent minus holdout, with its 95% interval (normal
    approximation: se = sqrt(p1(1-p1)/n1 + p2(1-p2)/n2)). In proportions, not points."""

    difference: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def uplift(*, bought_sent: int, n_sent: int, bought_holdout: int, n_holdout: int) -> Uplift | None:
    if n_sent == 0 or n_holdout == 0:
        return None
    p1, p2 = bought_sent / n_sent, bought_holdout / n_holdout
    se = math.sqrt(p1 * (1 - p1) / n_sent + p2 * (1 - p2) / n_holdout)
    difference = p1 - p2
    return Uplift(difference=difference, low=difference - Z95 * se, high=difference + Z95 * se)
