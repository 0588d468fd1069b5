"""PNG figures of a Comparison: sensitivity, heatmap, curves, tuning curve, performance profiles.

Each function takes values (a Comparison, curves, a Profile) and a path,
writes one PNG with matplotlib's Agg backend, and returns the path, or None
when the figure does not apply (a heatmap of three swept keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from adamctl.compare._beta_boundary import draw_beta_boundary

if TYPE_CHECKING:
    from adamctl.compare.comparison import ArmResult, Comparison
    from adamctl.compare.target import Profile

__all__ = ["sensitivity_plot", "heatmap_plot", "heatmap_figure", "curves_plot", "curves_figure",
           "tuning_plot", "profile_plot", "is_log_spaced"]

_LOST = dict(marker="x", color="crimson", markersize=9, markeredgewidth=2, linestyle="none")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path) -> Path:
    """Write ``figure`` as a PNG atomically (a reader never sees half a file), and close it."""
    from adamctl._atomic import atomic_output_path

    figure.tight_layout()
    with atomic_output_path(Path(path)) as temporary:
        figure.savefig(temporary, format="png")
    _pyplot().close(figure)
    return Path(path)


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(key: str) -> str:
    return key.split(".")[-1]


def is_log_spaced(values: Sequence[Any]) -> bool:
    """Positive numbers spanning at least a factor of 20: plotted on a log axis (as DeepOBS does)."""
    try:
        numbers = np.array(sorted({float(v) for v in values}))
    except (TypeError, ValueError):
        return False
    return len(numbers) >= 2 and numbers[0] > 0 and numbers[-1] / numbers[0] >= 20


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _lost(row: "ArmResult") -> int:
    return len(row.arm.diverged) + len(row.arm.failed)


def sensitivity_plot(result: "Comparison", path: Path) -> Path | None:
    """The metric against each swept key: mean with its CI band, one line per other-key setting.

    Arms that lost seeds (diverged or failed) are marked with a red cross
    at their mean, or on the top edge when no seed survived.
    """
    if not result.keys or not result.arms:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(result.keys), figsize=(6 * len(result.keys), 4.5),
                                dpi=110, squeeze=False)
    for key, ax in zip(result.keys, axes[0]):
        _sensitivity_panel(ax, result, key)
    figure.suptitle(f"{result.value} {result.metric} ({result.mode} is better)\nmean over seeds, "
                    f"{result.confidence:.0%} bootstrap CI band; red x = diverged/failed seeds",
                    fontsize="medium")
    return _save(figure, path)


def _sensitivity_panel(ax, result: "Comparison", key: str) -> None:
    others = [k for k in result.keys if k != key]
    groups: dict[tuple, list] = {}
    for row in result.arms:
        groups.setdefault(tuple(row.point[k] for k in others), []).append(row)
    xs_all = [row.point[key] for row in result.arms]
    numeric = _numeric(xs_all)
    positions = {v: i for i, v in enumerate(dict.fromkeys(xs_all))}
    for setting, rows in groups.items():
        rows = sorted(rows, key=lambda r: r.point[key]) if numeric else rows
        x = [r.point[key] if numeric else positions[r.point[key]] for r in rows]
        mean = np.array([np.nan if r.stats.mean is None else r.stats.mean for r in rows])
        low = np.array([np.nan if r.stats.ci.low is None else r.stats.ci.low for r in rows])
        high = np.array([np.nan if r.stats.ci.high is None else r.stats.ci.high for r in rows])
        label = ", ".join(f"{_short(k)}={_fmt(v)}" for k, v in zip(others, setting)) or None
        line, = ax.plot(x, mean, marker="o", label=label)
        ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2)
        lost = [(xi, m) for xi, m, r in zip(x, mean, rows) if _lost(r)]
        if lost:
            top = np.nanmax(high) if np.isfinite(high).any() else 1.0
            ax.plot([p[0] for p in lost], [top if np.isnan(p[1]) else p[1] for p in lost], **_LOST)
    if numeric and is_log_spaced(xs_all):
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(list(positions.values()), [_fmt(v) for v in positions])
    ax.set_xlabel(key)
    ax.set_ylabel(result.metric)
    ax.grid(alpha=0.3)
    if others:
        ax.legend(fontsize="small")


def heatmap_plot(result: "Comparison", path: Path) -> Path | None:
    """Write :func:`heatmap_figure` to ``path``; None (nothing written) when it does not apply."""
    figure = heatmap_figure(result)
    return None if figure is None else _save(figure, path)


def heatmap_figure(result: "Comparison") -> Any:
    """One or two swept keys: a cell per arm with mean ± CI half-width, tied-with-best framed.

    Cells tied with the best arm (their delta CI contains zero) get a black
    frame and a star; cells that lost seeds say how many. When the keys are
    beta_1 and beta_2, the boundary beta_1 = sqrt(beta_2) is drawn over the
    cells (:mod:`adamctl.compare._beta_boundary`).
    """
    if not 1 <= len(result.keys) <= 2 or not result.arms:
        return None
    rows_key, cols_key = result.keys[0], (result.keys[1] if len(result.keys) == 2 else None)
    row_values = _levels([r.point[rows_key] for r in result.arms])
    col_values = _levels([r.point[cols_key] for r in result.arms]) if cols_key else [None]
    grid = np.full((len(row_values), len(col_values)), np.nan)
    cells = {}
    for row in result.arms:
        i = row_values.index(row.point[rows_key])
        j = col_values.index(row.point[cols_key]) if cols_key else 0
        grid[i, j] = np.nan if row.stats.mean is None else row.stats.mean
        cells[i, j] = row
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(1.9 * len(col_values) + 3, 0.9 * len(row_values) + 2),
                              dpi=110)
    cmap = "viridis" if result.mode == "max" else "viridis_r"  # bright is better either way
    image = ax.imshow(grid, cmap=cmap, aspect="auto")
    for (i, j), row in cells.items():
        _annotate_cell(ax, i, j, row, _text_colour(image.to_rgba(grid[i, j])))
    ax.set_yticks(range(len(row_values)), [_fmt(v) for v in row_values])
    ax.set_ylabel(rows_key)
    ax.set_xticks(range(len(col_values)), [_fmt(v) for v in col_values] if cols_key else [""])
    ax.set_xlabel(cols_key or "")
    figure.colorbar(image, ax=ax, label=f"mean {result.metric}")
    if cols_key:
        draw_beta_boundary(ax, rows_key, row_values, cols_key, col_values)
    ax.set_title(f"{result.metric} ({result.mode} is better): mean ± {result.confidence:.0%} "
                 "CI half-width\n* and black frame: tied with the best arm", fontsize="medium")
    return figure


def _levels(values: list[Any]) -> list[Any]:
    """The distinct values of a key: sorted when numeric, else in order of appearance."""
    distinct = list(dict.fromkeys(values))
    return sorted(distinct) if _numeric(distinct) else distinct


def _text_colour(cell: Sequence[float]) -> str:
    """Black on a bright cell, white on a dark one: whichever contrasts more (WCAG luminance).

    An empty cell (no seeds) is transparent over the white figure.
    """
    if cell[3] == 0:
        return "black"
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in cell[:3]]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Equal contrast against black and white at luminance sqrt(1.05 * 0.05) - 0.05.
    return "black" if luminance > 0.179 else "white"


def _annotate_cell(ax, i: int, j: int, row: "ArmResult", colour: str) -> None:
    from matplotlib.patches import Rectangle

    stats = row.stats
    if stats.mean is None:
        text = "no seeds"
    elif stats.ci.low is None:
        text = f"{stats.mean:.4g}\n(n=1, no CI)"
    else:
        text = f"{stats.mean:.4g}\n±{(stats.ci.high - stats.ci.low) / 2:.2g}"
    if row.tied_with_best:
        text = "* " + text
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black",
                               linewidth=3))
    if _lost(row):
        text += f"\n{_lost(row)} lost"
    ax.text(j, i, text, ha="center", va="center", fontsize=9, color=colour)


def curves_plot(result: "Comparison", curves: Mapping[str, Any], path: Path) -> Path | None:
    """Write :func:`curves_figure` to ``path``; None (nothing written) when no arm has curves."""
    figure = curves_figure(result, curves)
    return None if figure is None else _save(figure, path)


def curves_figure(result: "Comparison", curves: Mapping[str, Any]) -> Any:
    """The metric against steps, per arm: mean over seeds with a 95% band, faint per-seed lines.

    The band is mean ± t_{0.975, n-1} * s / sqrt(n) at each logged step (a
    t interval: a bootstrap at every step would cost 10,000 resamples a
    point for a picture); band and per-seed lines are drawn only for arms
    of several seeds, and the title names them only then.  Diverged seeds
    are drawn dashed up to where they stopped.  Every arm has its own
    colour, line style and marker (a one-epoch sweep still shows its
    points), the legend sits outside the axes, and steps are whole numbers.
    """
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(9, 5), dpi=110)
    drawn = spread = 0
    for row in result.arms:
        frames = _arm_curves(row, curves, result.metric)
        if frames:
            spread += _draw_arm(ax, row, frames, drawn)
            drawn += 1
    if not drawn:
        plt.close(figure)
        return None
    if result.target is not None:
        ax.axhline(result.target, color="black", linestyle=":", label=f"target {result.target:g}")
    ax.set_xlabel("step")
    ax.set_ylabel(result.metric)
    ax.set_title(_curves_title(result.metric, spread, drawn), fontsize="medium")
    _integer_ticks(ax)
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    figure.tight_layout()
    return figure


_STYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v", "P")


def _arm_style(index: int) -> dict:
    """Ten colours, then the next line style and marker: distinct for 120 arms."""
    return dict(color=f"C{index % 10}", linestyle=_STYLES[(index // 10) % len(_STYLES)],
                marker=_MARKERS[(index // 10) % len(_MARKERS)])


def _draw_arm(ax, row: "ArmResult", frames: dict, index: int) -> bool:
    """One arm's mean curve; with several seeds also its seeds and t band (then True)."""
    style = _arm_style(index)
    x, table = _aligned(frames)
    counts = np.sum(np.isfinite(table), axis=0)
    x, table, counts = x[counts > 0], table[:, counts > 0], counts[counts > 0]
    several = len(frames) > 1
    if several:
        for seed, (xs, ys) in frames.items():
            ax.plot(xs, ys, "--" if seed in row.arm.diverged else "-", color=style["color"],
                    alpha=0.25, linewidth=0.8)
    mean = np.nanmean(table, axis=0)
    label = ", ".join(f"{_short(k)}={_fmt(v)}" for k, v in row.point.items()) or "_nolegend_"
    ax.plot(x, mean, linewidth=2, markersize=4, markevery=max(1, len(x) // 25), label=label,
            **style)
    if several:
        half = _t_half_width(table, counts)
        ax.fill_between(x, mean - half, mean + half, color=style["color"], alpha=0.2)
    return several


def _t_half_width(table: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Half-width of the 95% t interval per step; zero where a single seed logged it."""
    from scipy import stats

    half = np.zeros(table.shape[1])
    many = counts > 1
    if many.any():
        sem = np.nanstd(table[:, many], axis=0, ddof=1) / np.sqrt(counts[many])
        half[many] = stats.t.ppf(0.975, counts[many] - 1) * sem
    return half


def _curves_title(metric: str, spread: int, drawn: int) -> str:
    if not spread:
        return f"{metric} per arm (one seed each: no band)"
    alone = "" if spread == drawn else "; arms of one seed: no band"
    return (f"{metric}: mean over seeds with 95% t band\nfaint lines: single seeds "
            f"(dashed: diverged){alone}")


def _integer_ticks(ax) -> None:
    """Ticks only at whole steps (matplotlib puts 12.5 or 9.98 on a short run)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def _legend_outside(ax) -> None:
    """The legend right of the axes, so it never covers a curve; none when nothing is named."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  ncol=2 if len(handles) > 16 else 1, borderaxespad=0.0)


def _arm_curves(row: "ArmResult", curves: Mapping[str, Any], metric: str) -> dict:
    frames = {}
    for seed, trial in sorted(row.arm.trials.items()):
        frame = curves.get(trial)
        if frame is None or metric not in frame.columns:
            continue
        x_column = "step" if "step" in frame.columns else "epoch"
        frames[seed] = (np.asarray(frame[x_column], float), np.asarray(frame[metric], float))
    return frames


def _aligned(frames: dict) -> tuple[np.ndarray, np.ndarray]:
    """Every seed's values on the union of logged steps, NaN where a seed has none."""
    x = np.array(sorted({v for xs, _ in frames.values() for v in xs}))
    table = np.full((len(frames), len(x)), np.nan)
    for i, (xs, ys) in enumerate(frames.values()):
        table[i, np.searchsorted(x, xs)] = np.where(np.isfinite(ys), ys, np.nan)
    return x, table


def tuning_plot(result: "Comparison", path: Path) -> Path | None:
    """Expected best after k trials (Tang et al.'s estimator) with its bootstrap band."""
    curve = result.tuning
    if curve is None or len(curve.k) == 0:
        return None
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    ax.plot(curve.k, curve.expected, marker="o", label="expected best (unbiased, Tang et al. 2020)")
    ax.fill_between(curve.k, curve.low, curve.high, alpha=0.25,
                    label=f"{curve.confidence:.0%} bootstrap band ({curve.resamples} resamples)")
    ax.set_xlabel("trials k")
    ax.set_ylabel(f"best {result.metric} after k trials")
    ax.set_title(f"tuning curve: expected best {result.metric} after k random trials",
                 fontsize="medium")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(figure, path)


def profile_plot(profile: "Profile", path: Path) -> Path | None:
    """AlgoPerf performance profiles rho_s(tau) with each submission's score in the legend."""
    if profile.rho.empty:
        return None
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name, rho in profile.rho.iterrows():
        ax.step(profile.taus, rho.values, where="post",
                label=f"{name}: score {profile.scores[name]:.3f}")
    ax.set_xlim(1, profile.r_max)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("tau (time / fastest time)")
    ax.set_ylabel("fraction of workloads within tau")
    ax.set_title(f"performance profiles (score: integral to r_max = {profile.r_max:g})",
                 fontsize="medium")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(figure, path)
