"""TensorFlow's fused Adam kernels: one op per variable instead of a chain of ~10.

``ResourceApplyAdam`` computes, in one pass over memory::

    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    m += (g - m) * (1 - beta_1)
    v += (g^2 - v) * (1 - beta_2)
    var -= alpha * m / (sqrt(v) + epsilon)

which is the Keras ("epsilon hat") update; ``ResourceApplyAdamWithAmsgrad``
adds v_hat = max(v_hat, v) and divides by sqrt(v_hat). ``adam.py`` decides
when this path applies (see :func:`fused_supported`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["fused_supported", "fused_update"]

# The dtypes the CPU and GPU kernels are registered for.
_KERNEL_DTYPES = {"float16", "bfloat16", "float32", "float64"}


def fused_supported(variable: Any, gradient: Any) -> bool:
    """Whether the fused kernel can update ``variable`` (a tf.Variable) with ``gradient``.

    Not for sparse gradients (IndexedSlices), other dtypes, or inside a
    distribution strategy (where Keras's per-replica update path is kept).
    """
    import tensorflow as tf

    if isinstance(gradient, tf.IndexedSlices) or not hasattr(variable, "handle"):
        return False
    if variable.dtype.name not in _KERNEL_DTYPES:
        return False
    return not tf.distribute.has_strategy()


def fused_update(variable: Any, gradient: Any, m: Any, v: Any, v_hat: Any, *, lr: Any,
                 beta_1: Any, beta_2: Any, beta_1_power: Any, beta_2_power: Any,
                 epsilon: Any) -> Any:
    """One fused Adam update of ``variable``; every scalar is a tensor of its dtype."""
    import tensorflow as tf

    common = dict(beta1_power=beta_1_power, beta2_power=beta_2_power, lr=lr, beta1=beta_1,
                  beta2=beta_2, epsilon=epsilon, grad=gradient, use_locking=False)
    if v_hat is None:
        return tf.raw_ops.ResourceApplyAdam(var=variable.handle, m=_handle(m), v=_handle(v),
                                            use_nesterov=False, **common)
    return tf.raw_ops.ResourceApplyAdamWithAmsgrad(
        var=variable.handle, m=_handle(m), v=_handle(v), vhat=_handle(v_hat), **common
    )


def _handle(slot: Any) -> Any:
    """The resource handle of a Keras optimizer slot variable."""
    return slot.value.handle
