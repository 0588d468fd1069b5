"""adamctl: a command-line experiment runner for the Adam optimizer.

Importing this package is cheap: it loads neither TensorFlow nor Keras.
The numeric core lives in :mod:`adamctl.core`, the command line in
:mod:`adamctl.cli`.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
