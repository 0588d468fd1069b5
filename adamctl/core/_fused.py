"""TensorFlow's fused Adam kernels: one op per variable instead of a chain of ~10.

``ResourceApplyAdam`` computes, in one pass over memory::

    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    m += (g - m) * (1 - beta_1)
    v += (g^2 - v) * (1 - beta_2)
    var -= alpha * m / (sqrt(v) + epsilon)

which is the Keras ("epsilon hat") update; ``ResourceApplyAdamWithAmsgrad``
adds v_hat = max(v_hat, v) and divides by sqrt(v_hat). Algorithm 1's update
is the same with epsilon_hat = epsilon * sqrt(1 - beta_2^t), so it runs on the
kernel too. ``adam.py`` decides when this path applies (see
:func:`fused_supported`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ADAM_MIN_ELEMENTS", "fused_supported", "fused_update"]

# The kernels also take float16 and bfloat16, but there their internal
# rounding strays visibly from the keras.ops path (1e-3 relatively after one
# float16 step), so low-precision variables keep the generic path.
_KERNEL_DTYPES = {"float32", "float64"}

# Smallest variable (in elements) handed to ResourceApplyAdam without AMSGrad.
# Its CPU kernel always dispatches to the thread pool, which on 2 cores costs
# more than the generic ops below about 2k elements (measured: 15.8 against
# 11.7 microseconds for 1k elements, 9.3 against 12.5 for 3k). The AMSGrad
# kernel stays on the calling thread for small inputs and serves every size.
ADAM_MIN_ELEMENTS = 2048


def fused_supported(variable: Any, gradient: Any, *, amsgrad: bool = False) -> bool:
    """Whether the fused kernel can update ``variable`` (a tf.Variable) with ``gradient``.

    Not for sparse gradients (IndexedSlices), other dtypes, inside a
    distribution strategy (where Keras's per-replica update path is kept),
    under XLA compilation, or in a Keras stateless scope.
    """
    import tensorflow as tf

    if isinstance(gradient, tf.IndexedSlices) or not hasattr(variable, "handle"):
        return False
    if variable.dtype.name not in _KERNEL_DTYPES:
        return False
    if not amsgrad and variable.shape.num_elements() < ADAM_MIN_ELEMENTS:
        return False
    return not (tf.distribute.has_strategy() or _compiling_for_xla() or _stateless())


def _compiling_for_xla() -> bool:
    """Inside ``tf.function(jit_compile=True)``, which Keras uses on GPUs by default.

    XLA cannot compile the fused resource kernels; it fuses the generic
    ops by itself, so there the generic path is the fast one anyway.
    """
    import tensorflow as tf
    from tensorflow.python.ops import control_flow_util

    return control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph())


def _stateless() -> bool:
    """Inside a Keras ``StatelessScope``, where assignments must not reach the variables."""
    from keras.src.backend.common.stateless_scope import in_stateless_scope

    return in_stateless_scope()


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
