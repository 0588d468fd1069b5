"""Algorithm-1 Adam and the L2 decay form against ``torch.optim.Adam``."""

from __future__ import annotations

import numpy as np
import pytest

from adamctl.core import Adam
from tests.core.test_update_rule import _grads, _run

torch = pytest.importorskip("torch", reason="torch is not installed: no PyTorch comparison")


@pytest.mark.parametrize("arguments, torch_arguments", [
    pytest.param({"epsilon": 1e-8}, {"eps": 1e-8}, id="plain"),
    pytest.param({"epsilon": 1e-8, "amsgrad": True}, {"eps": 1e-8, "amsgrad": True}, id="amsgrad"),
    pytest.param({"epsilon": 1e-8, "weight_decay": 0.05, "weight_decay_mode": "l2"},
                 {"eps": 1e-8, "weight_decay": 0.05}, id="l2-decay"),
    pytest.param({"epsilon": 1e-3, "beta_1": 0.5, "beta_2": 0.9},
                 {"eps": 1e-3, "betas": (0.5, 0.9)}, id="large-epsilon"),
])
def test_algorithm1_matches_torch_adam(arguments, torch_arguments):
    grads = _grads(300, shape=(6,), seed=3)
    theta0 = np.linspace(-1, 1, 6)
    ours = _run(Adam(learning_rate=0.01, epsilon_mode="algorithm1", **arguments), grads, theta0)
    parameter = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float32))
    optimizer = torch.optim.Adam([parameter], lr=0.01, **torch_arguments)
    for grad in grads:
        parameter.grad = torch.tensor(grad)
        optimizer.step()
    # Same float32 formula, operations in a slightly different order (torch
    # fuses addcdiv): differences are a few ulps a step, ~1e-6 after 300.
    np.testing.assert_allclose(ours, parameter.detach().numpy(), atol=2e-5, rtol=0)
