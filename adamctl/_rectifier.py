"""RAdam's variance rectifier (Liu et al. 2019), in plain Python: read by diagnostics and doctor."""

from __future__ import annotations

import math

__all__ = ["radam_rectifier"]


def radam_rectifier(t: int, beta_2: float) -> tuple[float | None, float | None]:
    """RAdam's rho_t and variance rectifier r_t (Liu et al. 2019); r_t None while rho_t <= 4.

    rho_inf = 2 / (1 - beta_2) - 1, rho_t = rho_inf - 2 t beta_2^t / (1 - beta_2^t),
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)).
    """
    if beta_2 <= 0 or t < 1:
        return None, None
    rho_inf = 2 / (1 - beta_2) - 1
    rho_t = rho_inf - 2 * t * beta_2 ** t / (1 - beta_2 ** t)
    if rho_t <= 4 or rho_inf <= 4:
        return rho_t, None
    return rho_t, math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
