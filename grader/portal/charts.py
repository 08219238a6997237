"""The instructor dashboard's charts (SVG): per-TODO pass rates and the score histogram."""

from __future__ import annotations

from markupsafe import Markup, escape

from .stats import ClassStats
from .svg import Figure, fmt


def pass_rate_chart(stats: ClassStats) -> Markup | None:
    """One stacked horizontal bar per TODO: passed, partial, failed (share of students)."""
    if not stats.todos:
        return None
    row, label_w = 26, 190
    fig = Figure("Pass rate per TODO",
                 "For each TODO, the share of students (latest graded submission) who passed "
                 "it fully, partly, or not at all.", width=620,
                 height=row * len(stats.todos) + 90, margin=(34, 60, 50, label_w))
    fig.set_ranges((0, 1), (0, len(stats.todos)))
    # patterns besides colours: partly passed is hatched, failed cross-hatched
    hatch, cross = f"{fig.uid}-hatch", f"{fig.uid}-cross"
    parts = [f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
             f'patternTransform="rotate(45)"><line class="hatch" x1="0" y1="0" x2="0" '
             f'y2="6"/></pattern><pattern id="{cross}" width="6" height="6" '
             f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line '
             f'class="hatch" x1="0" y1="0" x2="0" y2="6"/><line class="hatch" x1="0" y1="0" '
             f'x2="6" y2="0"/></pattern></defs>']
    over = {"bar partial": hatch, "bar failed": cross}
    for i, t in enumerate(stats.todos):
        y = fig.top + i * row + 4
        x = fig.px(0)
        for cls, n in (("bar passed", t.passed), ("bar partial", t.partial),
                       ("bar failed", t.failed)):
            w = fig.plot_w * n / t.total if t.total else 0
            if w > 0:
                parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                             f'height="{row - 8}"><title>{escape(t.title)}: {n} '
                             f'{cls.split()[1]}</title></rect>')
                if cls in over:
                    parts.append(f'<rect fill="url(#{over[cls]})" x="{x:.1f}" y="{y}" '
                                 f'width="{w:.1f}" height="{row - 8}"/>')
            x += w
        parts.append(f'<text class="tick" x="{fig.left - 8}" y="{y + row / 2:.1f}" '
                     f'text-anchor="end">{escape(t.todo[:28])}</text>')
        parts.append(f'<text class="tick" x="{fig.left + fig.plot_w + 6:.1f}" '
                     f'y="{y + row / 2:.1f}">{t.pass_rate:.0%}</text>')
    fig.add("".join(parts))
    fig.axes("share of students", "", x_ticks=[0, 0.25, 0.5, 0.75, 1], y_ticks=[],
             grid=False)
    legend_y = 18
    items = [("bar passed", "passed"), ("bar partial", "partly"), ("bar failed", "failed")]
    fig.add("".join(f'<rect class="{cls}" x="{fig.left + 110 * k}" y="{legend_y - 9}" '
                    f'width="12" height="10"/>' + (
                        f'<rect fill="url(#{over[cls]})" x="{fig.left + 110 * k}" '
                        f'y="{legend_y - 9}" width="12" height="10"/>' if cls in over else "")
                    + f'<text class="legend" x="{fig.left + 110 * k + 16}"'
                    f' y="{legend_y}">{label}</text>' for k, (cls, label) in enumerate(items)))
    return fig.render(fixed=True)


def histogram_chart(stats: ClassStats) -> Markup | None:
    """Students per score bin."""
    if not stats.graded:
        return None
    top = max(n for _, _, n in stats.histogram) or 1
    fig = Figure("Score histogram",
                 f"Number of students per score band, out of {stats.graded} graded (latest "
                 "submission of each).", width=620, height=280)
    fig.set_ranges((0, stats.max_score or 1), (0, top * 1.1))
    bars = []
    for lo, hi, n in stats.histogram:
        if not n:
            continue
        x, x2 = fig.px(lo) + 1, fig.px(hi) - 1
        y = fig.py(n)
        bars.append(f'<rect class="bar hist" x="{x:.1f}" y="{y:.1f}" width="{x2 - x:.1f}" '
                    f'height="{fig.py(0) - y:.1f}"><title>{fmt(lo)} to {fmt(hi)}: {n} '
                    f'student(s)</title></rect>')
        bars.append(f'<text class="tick" x="{(x + x2) / 2:.1f}" y="{y - 4:.1f}" '
                    f'text-anchor="middle">{n}</text>')
    fig.add("".join(bars))
    step = top // 5 + 1
    fig.axes("score", "students", x_ticks=[lo for lo, _, _ in stats.histogram] +
             [stats.max_score], y_ticks=list(range(0, top + 1, step)))
    return fig.render()
