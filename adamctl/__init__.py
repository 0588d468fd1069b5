"""adamctl: a command-line experiment runner for the Adam optimizer.

Importing this package is cheap: it loads neither TensorFlow nor Keras.
The numeric core lives in :mod:`adamctl.core`, the command line in
:mod:`adamctl.cli`.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

# Arranges for adamctl's Adam to be defined (and so registered with Keras's
# loaders as "adamctl>Adam") as soon as Keras is imported, so that
# ``keras.models.load_model`` opens a model saved with it after ``import
# adamctl``. Imports no framework itself.
from adamctl.core._keras_hook import define_adam_with_keras as _define_adam_with_keras  # noqa: E402

_define_adam_with_keras()
