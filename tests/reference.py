"""A NumPy Adam written straight from the papers, to check adamctl.core against.

Float64 throughout, so that comparing a float32 implementation against it
measures that implementation's rounding, not this one's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ReferenceAdam:
    """Adam on one array, both epsilon forms, both weight-decay forms, AMSGrad.

    epsilon_mode "hat" (Keras): theta -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)
    epsilon_mode "algorithm1" (Kingma & Ba Alg. 1, PyTorch):
        theta -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
    weight_decay_mode "decoupled": theta *= 1 - lr*wd before the step;
    "l2": g += wd*theta before the moments. AMSGrad: v_max = max(v_max, v),
    used in place of v.
    """

    learning_rate: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    amsgrad: bool = False
    epsilon_mode: str = "hat"
    weight_decay: float | None = None
    weight_decay_mode: str = "decoupled"
    t: int = 0
    m: np.ndarray | None = field(default=None, repr=False)
    v: np.ndarray | None = field(default=None, repr=False)
    v_max: np.ndarray | None = field(default=None, repr=False)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        theta, grad = np.asarray(theta, np.float64), np.asarray(grad, np.float64)
        if self.m is None:
            self.m, self.v, self.v_max = (np.zeros_like(theta) for _ in range(3))
        self.t += 1
        lr, b1, b2, eps = self.learning_rate, self.beta_1, self.beta_2, self.epsilon
        if self.weight_decay is not None:
            if self.weight_decay_mode == "decoupled":
                theta = theta * (1 - lr * self.weight_decay)
            else:
                grad = grad + self.weight_decay * theta
        self.m = b1 * self.m + (1 - b1) * grad
        self.v = b2 * self.v + (1 - b2) * grad**2
        v = self.v
        if self.amsgrad:
            self.v_max = np.maximum(self.v_max, self.v)
            v = self.v_max
        if self.epsilon_mode == "hat":
            alpha = lr * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
            return theta - alpha * self.m / (np.sqrt(v) + eps)
        m_hat, v_hat = self.m / (1 - b1**self.t), v / (1 - b2**self.t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps)
