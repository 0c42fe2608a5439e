"""Charts as SVG built here, in Python: no script, no CDN, nothing a strict CSP refuses.

Each function returns self-contained SVG markup (presentation attributes only, no classes, no
external fonts), so the same picture goes inline on a page and, rasterised, into the weekly mail.
Every chart sits beside a table holding the same numbers, for people and screen readers; the
SVG itself carries a <title> and role="img".
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK, MUTED, LINE, BRAND, BAND = "#1d2433", "#5b6475", "#dde1e8", "#2456c9", "#d6e0f5"
GOOD, BAD = "#1e7a46", "#b3261e"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def _svg(width: int, height: int, title: str, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text inside went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" {FONT}>'
        # An opaque background: a mail client in dark mode would show a transparent PNG's text
        # on black.
        f'<title>{escape(title)}</title><rect width="{width}" height="{height}" fill="#fff"/>'
        f"{body}</svg>"
    )


def _text(x, y, text, *, size=12, anchor="start", fill=MUTED, weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def sparkline(
    values: list[float | None], *, title: str = "", width: int = 120, height: int = 32
) -> SafeString:
    """A line of the trend's points (gaps where a point has no value), the last one dotted."""
    known = [v for v in values if v is not None]
    if len(values) < 2 or not known:
        return _svg(width, height, title, "")
    low, high = min(known), max(known)
    span = (high - low) or 1
    step = (width - 6) / (len(values) - 1)

    def point(i, v):
        return 3 + i * step, height - 4 - (v - low) / span * (height - 8)

    paths, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                paths.append(current)
            current = []
        else:
            current.append(point(i, v))
    if current:
        paths.append(current)
    body = "".join(
        f'<polyline fill="none" stroke="{BRAND}" stroke-width="1.8" stroke-linejoin="round" '
        f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in path)}"/>'
        for path in paths
    )
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None))
    x, y = point(*last)
    body += f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{BRAND}"/>'
    return _svg(width, height, title, body)


def band_trend(
    points: list[dict],
    *,
    title: str,
    low: float = -100,
    high: float = 100,
    width: int = 1000,
    height: int = 280,
    too_few_label: str = "",
) -> SafeString:
    """A line with its interval band. Each point: label, value, low, high, faded (too few
    answers: drawn hollow, out of the band, and named in the legend)."""
    left, right, top, bottom = 44, 28, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(points), 1)
    step = plot_w / max(n - 1, 1)

    def xy(i, v):
        return left + (i * step if n > 1 else plot_w / 2), top + (high - v) / (high - low) * plot_h

    body = []
    for tick in _ticks(low, high):
        _, y = xy(0, tick)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{INK if tick == 0 else LINE}" stroke-width="{1 if tick else 1.2}"/>'
        )
        body.append(_text(left - 6, y + 4, f"{tick:g}", size=11, anchor="end"))
    solid = [(i, p) for i, p in enumerate(points) if p["value"] is not None and not p["faded"]]
    if solid:
        upper = [xy(i, p["high"]) for i, p in solid]
        lower = [xy(i, p["low"]) for i, p in reversed(solid)]
        body.append(
            f'<polygon fill="{BAND}" stroke="none" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower)}"/>'
        )
    valued = [(i, p) for i, p in enumerate(points) if p["value"] is not None]
    if len(valued) > 1:
        line = " ".join(_xy(*xy(i, p["value"])) for i, p in valued)
        body.append(f'<polyline fill="none" stroke="{BRAND}" stroke-width="2" points="{line}"/>')
    for i, p in valued:
        x, y = xy(i, p["value"])
        fill = "#fff" if p["faded"] else BRAND
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{fill}" stroke="{BRAND}" stroke-width="1.5"/>'
        )
    every = max(1, round(n / 8))
    for i, p in enumerate(points):
        if i % every == 0 or (i == n - 1 and i % every > every / 2):
            x, _ = xy(i, low)
            body.append(_text(x, height - bottom + 16, p["label"], size=11, anchor="middle"))
    if too_few_label and any(p["faded"] for p in points):
        body.append(f'<circle cx="{left + 6}" cy="{height - 8}" r="3.5" fill="#fff" stroke="{BRAND}"/>')
        body.append(_text(left + 14, height - 4, too_few_label, size=11))
    return _svg(width, height, title, "".join(body))


def _xy(x: float, y: float) -> str:
    return f"{x:.1f},{y:.1f}"


def _ticks(low: float, high: float) -> list[float]:
    step = (high - low) / 4
    return [low + k * step for k in range(5)]


def bars(rows: list[tuple], *, title: str, width: int = 560, color: str = BRAND) -> SafeString:
    """Horizontal bars: (label, value, value as shown[, colour]), in the order given."""
    label_w, value_w, bar_h, gap = 190, 70, 20, 8
    height = max(len(rows), 1) * (bar_h + gap) + gap
    biggest = max((row[1] for row in rows), default=0) or 1
    body = []
    for i, (label, value, shown, *fill) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1.5, (width - label_w - value_w) * value / biggest) if value else 0
        body.append(_text(label_w - 8, y + bar_h - 6, _clip(label, 28), anchor="end", fill=INK))
        body.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" '
            f'fill="{fill[0] if fill else color}"/>'
        )
        body.append(_text(label_w + w + 6, y + bar_h - 6, shown, fill=INK, weight="600"))
    return _svg(width, height, title, "".join(body))


def diverging_bars(
    rows: list[tuple[str, float | None, str]],
    *,
    title: str,
    low: float = -100,
    high: float = 100,
    width: int = 680,
) -> SafeString:
    """Bars from a zero line, right in blue above it, left in red below (NPS of groups); a row
    without a value shows its text alone."""
    label_w, value_w, bar_h, gap = 280, 70, 20, 8
    height = max(len(rows), 1) * (bar_h + gap) + gap + 16
    plot = width - label_w - value_w
    zero = label_w + plot * (0 - low) / (high - low)
    body = [
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="0" y2="{height - 16}" stroke="{INK}"/>',
        _text(label_w, height - 2, f"{low:g}", size=10),
        _text(zero, height - 2, "0", size=10, anchor="middle"),
        _text(label_w + plot, height - 2, f"{high:g}", size=10, anchor="end"),
    ]
    for i, (label, value, shown) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        body.append(_text(label_w - 8, y + bar_h - 6, _clip(label, 40), anchor="end", fill=INK))
        if value is None:
            body.append(_text(zero + 6, y + bar_h - 6, shown, fill=MUTED))
            continue
        w = plot * abs(value) / (high - low)
        x = zero if value >= 0 else zero - w
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1.5):.1f}" height="{bar_h}" rx="3" '
            f'fill="{BRAND if value >= 0 else BAD}"/>'
        )
        tx = zero + w + 6 if value >= 0 else zero + 6
        body.append(_text(tx, y + bar_h - 6, shown, fill=INK, weight="600"))
    return _svg(width, height, title, "".join(body))


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def heatmap(
    rows: list[tuple[str, int, list[float | None]]], *, title: str, column_labels: list[str], size_label: str
) -> SafeString:
    """The cohort grid: one row per cohort (label, size, rates in %), darker for higher."""
    label_w, size_w, cell_w, cell_h, head = 78, 56, 46, 26, 24
    width = label_w + size_w + cell_w * len(column_labels) + 4
    height = head + cell_h * max(len(rows), 1) + 4
    body = [_text(label_w + size_w / 2, 16, size_label, size=11, anchor="middle")]
    for k, name in enumerate(column_labels):
        body.append(_text(label_w + size_w + k * cell_w + cell_w / 2, 16, name, size=11, anchor="middle"))
    for r, (label, size, rates) in enumerate(rows):
        y = head + r * cell_h
        body.append(_text(label_w - 8, y + 17, label, anchor="end", fill=INK))
        body.append(_text(label_w + size_w / 2, y + 17, str(size), anchor="middle", fill=INK))
        for k, rate in enumerate(rates):
            if rate is None:
                continue
            x = label_w + size_w + k * cell_w
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'rx="2" fill="{_shade(rate)}"/>'
            )
            body.append(
                _text(
                    x + cell_w / 2,
                    y + 17,
                    f"{rate:.0f}%",
                    size=11,
                    anchor="middle",
                    fill="#fff" if rate >= 45 else INK,
                )
            )
    return _svg(width, height, title, "".join(body))


def _shade(rate: float) -> str:
    """From a pale to the brand blue; a square root so that the small later months still show."""
    t = min(max(rate, 0), 100) / 100
    t = t**0.5
    pale, deep = (238, 242, 251), (28, 66, 160)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(pale, deep, strict=True))


# --- The purchase model's pictures (P(alive) histogram, score trend) ---------------------------

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
        bars.append(
            Bar(
                x=round(i * step + 1, 1),
                y=round(BASELINE - height, 1),
                width=round(step - 2, 1),
                height=round(height, 1),
                low=low,
                high=high,
                count=count,
                below_threshold=threshold is not None and high <= threshold,
            )
        )
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
    xy = [
        (round(4 + i * step, 1), round(4 + (SPARK_HEIGHT - 8) * (1 - p), 1))
        for i, (_day, p) in enumerate(points)
    ]
    return Trend(points=" ".join(f"{x},{y}" for x, y in xy), first=points[0], last=points[-1])
