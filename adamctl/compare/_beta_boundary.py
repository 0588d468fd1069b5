"""The beta_1 = sqrt(beta_2) boundary, drawn over a heatmap of beta_1 by beta_2.

Zhang et al. 2022 ("Adam Can Converge Without Any Modification On Update
Rules", NeurIPS) show that Adam converges for large beta_2 when
beta_1 < sqrt(beta_2); above the curve that guarantee is gone. A sweep over
both betas shows on which side each cell lies.

The heatmap's axes are cell indices, one per swept level, ticked with the
levels. The curve is placed on those same axes: between two neighbouring
levels, positions are linear in log(1 - beta) (betas are swept that way:
0.9, 0.99, 0.999), and beyond the outer levels the nearest interval's slope
goes on to the edge of the image. So the curve crosses a cell's centre
exactly where that cell's betas satisfy beta_1 = sqrt(beta_2).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["BOUNDARY_LABEL", "beta_keys", "boundary_curve", "draw_beta_boundary"]

BOUNDARY_LABEL = (r"$\beta_1 = \sqrt{\beta_2}$ (Zhang et al. 2022): for large $\beta_2$ "
                  r"Adam converges where $\beta_1 < \sqrt{\beta_2}$")
# Points along the curve per cell of the axis it is drawn along.
_SAMPLES_PER_CELL = 50


def beta_keys(keys: Sequence[str]) -> tuple[str, str] | None:
    """``(beta_1 key, beta_2 key)`` when the two swept keys are the betas, else None."""
    names = {str(key).split(".")[-1]: key for key in keys}
    if len(keys) != 2 or set(names) != {"beta_1", "beta_2"}:
        return None
    return names["beta_1"], names["beta_2"]


def boundary_curve(beta_1_levels: Sequence[Any],
                   beta_2_levels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Positions ``(on the beta_2 axis, on the beta_1 axis)`` of beta_1 = sqrt(beta_2).

    Levels are the heatmap's, in axis order (ascending). None when a level
    is not a beta in [0, 1) or when both axes have a single level (one cell
    says nothing about where the curve runs).
    """
    b1, b2 = _betas(beta_1_levels), _betas(beta_2_levels)
    if b1 is None or b2 is None or (len(b1) == 1 and len(b2) == 1):
        return None
    if len(b1) == 1:  # one row: the curve crosses it where beta_2 = beta_1^2
        return np.full(2, _position(b2, b1[0] ** 2)), np.array([-0.5, 0.5])
    along_2 = (np.linspace(-0.5, len(b2) - 0.5, _SAMPLES_PER_CELL * len(b2) + 1)
               if len(b2) > 1 else np.array([-0.5, 0.5]))
    beta_2 = _beta_at(b2, along_2)
    with np.errstate(invalid="ignore"):  # below beta_2 = 0 there is no curve: NaN breaks the line
        beta_1 = np.sqrt(beta_2)
    return along_2, _position(b1, beta_1)


def draw_beta_boundary(ax: Any, rows_key: str, row_levels: Sequence[Any], cols_key: str,
                       col_levels: Sequence[Any]) -> Any:
    """Draw the labelled boundary on a heatmap's axes; the Line2D, or None when it does not apply.

    The axes' limits stay those of the image: the curve is clipped to it.
    """
    keys = beta_keys([rows_key, cols_key])
    if keys is None:
        return None
    beta_1_key = keys[0]
    levels_1, levels_2 = ((row_levels, col_levels) if rows_key == beta_1_key
                          else (col_levels, row_levels))
    curve = boundary_curve(levels_1, levels_2)
    if curve is None:
        return None
    along_2, along_1 = curve
    x, y = (along_2, along_1) if rows_key == beta_1_key else (along_1, along_2)
    return _draw(ax, x, y)


def _draw(ax: Any, x: np.ndarray, y: np.ndarray) -> Any:
    from matplotlib import patheffects

    limits = ax.get_xlim(), ax.get_ylim()
    line, = ax.plot(x, y, color="white", linestyle="--", linewidth=2, label=BOUNDARY_LABEL,
                    path_effects=[patheffects.withStroke(linewidth=4, foreground="black")])
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.legend(handles=[line], loc="upper center", bbox_to_anchor=(0.5, -0.14),
              fontsize="small", frameon=False)
    return line


def _betas(levels: Sequence[Any]) -> np.ndarray | None:
    """The levels as floats, if every one is a beta in [0, 1)."""
    try:
        values = np.array([float(level) for level in levels], dtype=float)
    except (TypeError, ValueError):
        return None
    if not len(values) or not np.all((values >= 0) & (values < 1)):
        return None
    return values


def _coordinate(beta: Any) -> np.ndarray:
    """log(1 - beta), negated so that it grows with beta (the spacing betas are swept in)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return -np.log1p(-np.asarray(beta, dtype=float))


def _position(levels: np.ndarray, beta: Any) -> np.ndarray:
    """Where ``beta`` falls on an axis of ``levels`` (at least two), in cell indices."""
    return _extrapolating_interp(_coordinate(beta), _coordinate(levels),
                                 np.arange(len(levels), dtype=float))


def _beta_at(levels: np.ndarray, position: np.ndarray) -> np.ndarray:
    """The beta at each ``position`` on an axis of ``levels`` (the inverse of ``_position``)."""
    if len(levels) == 1:
        return np.full(len(position), levels[0])
    coordinate = _extrapolating_interp(position, np.arange(len(levels), dtype=float),
                                       _coordinate(levels))
    return -np.expm1(-coordinate)


def _extrapolating_interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp`` continued beyond the ends along the first and last intervals."""
    x = np.asarray(x, dtype=float)
    inside = np.interp(x, xp, fp)
    low_slope = (fp[1] - fp[0]) / (xp[1] - xp[0])
    high_slope = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    below = fp[0] + (x - xp[0]) * low_slope
    above = fp[-1] + (x - xp[-1]) * high_slope
    return np.where(x < xp[0], below, np.where(x > xp[-1], above, inside))
