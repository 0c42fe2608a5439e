"""Pictures drawn on the server as SVG geometry for the templates: no script, nothing from a CDN."""

from dataclasses import dataclass

WIDTH, HEIGHT, BASELINE = 600, 200, 170


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    low: float
    high: float
    count: int
    below_threshold: bool


def histogram_bars(counts: list[int], threshold: float | None) -> list[Bar]:
    """One bar per bin of [0, 1], scaled to the tallest; bins below the threshold marked."""
    if not counts:
        return []
    tallest = max(counts) or 1
    step = WIDTH / len(counts)
    bars = []
    for i, count in enumerate(counts):
        height = (BASELINE - 10) * count / tallest
        low, high = i / len(counts), (i + 1) / len(counts)
        bars.append(Bar(x=round(i * step + 1, 1), y=round(BASELINE - height, 1),
                        width=round(step - 2, 1), height=round(height, 1), low=low, high=high,
                        count=count, below_threshold=threshold is not None and high <= threshold))
    return bars


SPARK_WIDTH, SPARK_HEIGHT = 240, 60


@dataclass(frozen=True)
class Trend:
    points: str  # the polyline's "x,y x,y ..."
    first: tuple
    last: tuple
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def trend_points(points: list[tuple]) -> Trend | None:
    """A sparkline of P(alive) over the weeks kept, 0 at the bottom and 1 at the top."""
    if len(points) < 2:
        return None
    step = (SPARK_WIDTH - 8) / (len(points) - 1)
    xy = [(round(4 + i * step, 1), round(4 + (SPARK_HEIGHT - 8) * (1 - p), 1))
          for i, (_day, p) in enumerate(points)]
    return Trend(points=" ".join(f"{x},{y}" for x, y in xy), first=points[0], last=points[-1])
