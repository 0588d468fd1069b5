"""The stacked engine's compiled steps: every member of an MLP population in one small graph.

Member i's weights, Adam state and metric sums are slice i of stacked
variables; the data of members that share a seed (the same examples in the
same order) is passed once. Each op is chosen to compute what the member's
own Keras step computes, bit for bit (measured with oneDNN on, the x86
default; the shadow check measures it again on every machine):

- matrix products stay per member (``MatMul``, as in the separate run):
  ``BatchMatMulV2`` gave different roundings for a 6-row batch.
- transcendental functions (log-softmax, its gradient's ``exp``, and any
  activation but relu) run per member: Eigen computes them in 8-wide
  vector lanes except for the last ``n % 8`` elements of a tensor, which
  take the scalar path, and the two do not always agree; a member's slice
  must see the same split as its own tensor. A Dense layer with such an
  activation keeps Keras's ``MatMul + BiasAdd + activation`` per member,
  which Grappler fuses into one oneDNN kernel as in the separate run.
- elementwise arithmetic (bias add, relu, Adam) is stacked: it is
  correctly rounded in any lane.
- the bias gradient is Keras's ``BiasAddGrad`` over the batch axis, with
  the members side by side in its channel axis (each column still summed
  over the batch rows in order).

Nothing reduces across members; losses, metrics and finiteness are each
member's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from adamctl.population.stackable import ELEMENTWISE_ACTIVATIONS
from adamctl.population.stacked_adam import MemberAdam, StackedAdam

if TYPE_CHECKING:
    import keras

__all__ = ["StackedModel"]


@dataclass(frozen=True)
class _Dense:
    kernel: int  # index into the stacked weights
    bias: int | None
    activation: Callable[[Any], Any]
    elementwise: bool  # the activation runs on the stacked tensor


@dataclass(frozen=True)
class _Flatten:
    pass


class StackedModel:
    """The stacked state of a population and its compiled train and test steps.

    Args:
        template: the Keras model every member has (its layer structure).
        initial_weights: per member, its initial model variables as arrays.
        optimizers: per member, its own adamctl Adam, built on ``template``.
        slots: per member, the index of its data in the stacked inputs.
        x, y: the training inputs and targets of one member (their shapes and dtypes).
    """

    def __init__(self, template: keras.Model, initial_weights: Sequence[Sequence[np.ndarray]],
                 optimizers: Sequence[Any], slots: Sequence[int], *, x: np.ndarray,
                 y: np.ndarray) -> None:
        import tensorflow as tf

        self.size = len(initial_weights)
        self.slots = list(slots)
        self.layers = _layers(template)
        self.weights = [tf.Variable(np.stack(arrays), trainable=False)
                        for arrays in zip(*initial_weights)]
        self.adam = StackedAdam([MemberAdam(o) for o in optimizers], template.trainable_variables)
        self.metrics = [tf.Variable(tf.zeros([self.size]), trainable=False)
                        for _ in template.metrics_variables]
        # One trace for every batch size (the short last batch included): the
        # batch axis is left unknown, as Keras leaves it once a second size is
        # seen. The shadow check runs both sizes through it.
        signature = [tf.TensorSpec((len(set(slots)), None, *x.shape[1:]), x.dtype),
                     tf.TensorSpec((len(set(slots)), None, *y.shape[1:]), y.dtype)]
        self.train_step = tf.function(self._train_step, autograph=False,
                                      input_signature=signature)
        self.test_step = tf.function(self._test_step, autograph=False, input_signature=signature)

    def variables(self) -> list[Any]:
        """Everything a member's state is made of, stacked: weights, Adam, metrics."""
        return [*self.weights, *self.adam.state_variables(), *self.metrics]

    def reset_metrics(self) -> None:
        for variable in self.metrics:
            variable.assign(np.zeros(self.size, np.float32))

    def metric_results(self) -> list[np.ndarray]:
        """Each metric's total / count per member (Keras's Mean.result: divide_no_nan)."""
        import tensorflow as tf

        values = self.metrics
        return [tf.math.divide_no_nan(values[i], values[i + 1]).numpy()
                for i in range(0, len(values), 2)]

    def _train_step(self, x: Any, y: Any) -> list[Any]:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(self.weights)
            values = [w.read_value() for w in self.weights]
            tape.watch(values)
            logits = self._forward(values, x)
            labels = self._member_labels(y)
            loss = _sparse_crossentropy(logits, labels)
        grads = tape.gradient(loss, values)
        self._update_metrics(loss, logits, labels)
        self.adam.apply(grads, self.weights)
        return self._results()

    def _test_step(self, x: Any, y: Any) -> None:
        values = [w.read_value() for w in self.weights]
        logits = self._forward(values, x)
        labels = self._member_labels(y)
        self._update_metrics(_sparse_crossentropy(logits, labels), logits, labels)

    def _member_labels(self, y: Any) -> Any:
        import tensorflow as tf

        return tf.gather(y, self.slots)

    def _forward(self, values: Sequence[Any], x: Any) -> Any:
        """Logits (P, B, C) of every member on its slot's batch (x is (S, B, ...))."""
        import tensorflow as tf

        per_slot = tf.unstack(x, num=max(self.slots) + 1)
        inputs = [per_slot[slot] for slot in self.slots]
        stacked = None
        for layer in self.layers:
            if isinstance(layer, _Flatten):
                inputs = [tf.reshape(h, [tf.shape(h)[0], -1]) for h in inputs]
                continue
            kernels = tf.unstack(values[layer.kernel], num=self.size)
            products = [tf.linalg.matmul(h, k) for h, k in zip(inputs, kernels)]
            if layer.elementwise:
                stacked = tf.stack(products)
                if layer.bias is not None:
                    stacked = _add_bias(stacked, values[layer.bias])
                stacked = layer.activation(stacked)
                inputs = tf.unstack(stacked, num=self.size)
            else:
                inputs = _per_member_dense(layer, products, values, self.size)
                stacked = tf.stack(inputs)
        return stacked

    def _update_metrics(self, loss: Any, logits: Any, labels: Any) -> None:
        """Keras's loss tracker (Mean weighted by the batch size) and accuracy (Mean of matches)."""
        import tensorflow as tf

        count = tf.cast(tf.shape(logits)[1], tf.float32)
        counts = tf.fill([self.size], count)
        self.metrics[0].assign_add(loss * count)
        self.metrics[1].assign_add(counts)
        if len(self.metrics) == 4:
            self.metrics[2].assign_add(tf.reduce_sum(_matches(labels, logits), axis=1))
            self.metrics[3].assign_add(counts)

    def _results(self) -> list[Any]:
        import tensorflow as tf

        values = self.metrics
        return [tf.math.divide_no_nan(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def _per_member_dense(layer: _Dense, products: list[Any], values: Sequence[Any],
                      size: int) -> list[Any]:
    """Bias and activation per member, as Keras's Dense computes them.

    Grappler fuses ``MatMul + BiasAdd + activation`` into one oneDNN kernel
    whose activation (tanh, sigmoid, elu...) is oneDNN's own, not Eigen's;
    the member's chain must be the same three ops to be fused the same way.
    """
    import tensorflow as tf

    biases = tf.unstack(values[layer.bias], num=size) if layer.bias is not None else None
    outputs = []
    for index, product in enumerate(products):
        if biases is not None:
            product = tf.nn.bias_add(product, biases[index])
        outputs.append(layer.activation(product))
    return outputs


def _sparse_crossentropy(logits: Any, labels: Any) -> Any:
    """Each member's mean sparse cross-entropy from logits, in Keras's ops, per member."""
    import tensorflow as tf

    size = logits.shape[0]
    log_softmax = tf.stack([tf.nn.log_softmax(z) for z in tf.unstack(logits, num=size)])
    picked = tf.gather(log_softmax, tf.cast(labels, tf.int64), axis=2, batch_dims=2)
    total = tf.reduce_sum(-picked, axis=1)
    return tf.math.divide_no_nan(total, tf.cast(tf.shape(labels)[1], tf.float32))


def _matches(labels: Any, logits: Any) -> Any:
    """Keras's sparse_categorical_accuracy per example: argmax (its -0 rule) equals the label."""
    import tensorflow as tf
    from keras import ops

    predicted = tf.cast(ops.argmax(logits, axis=-1), tf.float32)
    return tf.cast(tf.equal(tf.cast(labels, tf.float32), predicted), tf.float32)


def _add_bias(stacked: Any, bias: Any) -> Any:
    """``stacked`` (P, B, C) plus each member's bias (P, C), with BiasAdd's own gradient."""
    import tensorflow as tf

    @tf.custom_gradient
    def add(z, b):
        def grad(upstream):
            size, channels = upstream.shape[0], upstream.shape[2]
            side_by_side = tf.reshape(tf.transpose(upstream, [1, 0, 2]), [-1, size * channels])
            return upstream, tf.reshape(tf.raw_ops.BiasAddGrad(out_backprop=side_by_side),
                                        [size, channels])

        return z + tf.expand_dims(b, 1), grad

    return add(stacked, bias)


def _layers(model: keras.Model) -> list[_Dense | _Flatten]:
    import keras

    index = {id(v): i for i, v in enumerate(model.trainable_variables)}
    layers: list[_Dense | _Flatten] = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Flatten):
            layers.append(_Flatten())
            continue
        name = getattr(layer.activation, "__name__", "linear")
        layers.append(_Dense(
            kernel=index[id(layer.kernel)],
            bias=index[id(layer.bias)] if layer.bias is not None else None,
            activation=layer.activation, elementwise=name in ELEMENTWISE_ACTIVATIONS))
    return layers
