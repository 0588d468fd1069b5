"""The Optuna study behind a search: its sampler, its pruner, and where it is stored.

Samplers are seeded from the config's seed, so the same sweep samples the
same points: random and qmc points depend only on the order they are asked
in, which is the trial order; tpe's also depend on the results told before
each ask, so they repeat exactly with one worker. The study lives in an
SQLite file in the sweep directory unless ``--storage URL`` names another
database (several machines can then share one study). Optuna is imported
inside each function: ``import adamctl`` must stay light.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from adamctl.errors import UsageError

__all__ = ["make_sampler", "make_pruner", "open_study", "import_optuna", "check_storage_url",
           "resolve_storage_url"]


def import_optuna() -> Any:
    """Optuna, or a UsageError that says how to install it."""
    try:
        import optuna
    except ImportError:
        raise UsageError("sweep --search needs Optuna, which is not installed; "
                         "pip install 'adamctl[optuna]'") from None
    return optuna


def make_sampler(search: str, seed: int, *, trials: int, already: int = 0) -> Any:
    """The sampler of ``search`` (random, qmc or tpe), seeded.

    ``already`` counts trials sampled by an earlier session of the sweep: a
    resumed random or tpe search reseeds from (seed, already), so that it
    does not sample the first session's points again. qmc needs no reseed:
    its Sobol index is the study's trial count.
    """
    optuna = import_optuna()
    if already and search != "qmc":
        seed = int(np.random.SeedSequence([seed, already]).generate_state(1)[0])
    if search == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if search == "qmc":
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed,
                                          warn_independent_sampling=False)
    if search == "tpe":
        # Optuna's default of 10 random start-up trials would leave a small
        # search (12 trials) almost all random; a third of the budget, at
        # least 2, gives TPE a model early. constant_liar keeps parallel
        # workers from asking for the same point while others run.
        startup = max(2, min(10, trials // 3))
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup,
                                          constant_liar=True)
    raise ValueError(f"search must be random, qmc or tpe. Received: search={search!r}")


def make_pruner(prune: str | None) -> Any:
    """median: stop below the median of earlier trials at the same epoch; asha: successive halving."""
    import optuna

    if prune is None:
        return optuna.pruners.NopPruner()
    if prune == "median":
        # Two finished trials make a median; every epoch (step 1, 2, ...) is judged.
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    if prune == "asha":
        # Rungs at epochs 1, 3, 9, ... (min_resource times 3^k); a third of each rung goes on.
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    raise ValueError(f"prune must be median or asha. Received: prune={prune!r}")


def check_storage_url(url: str) -> None:
    """Refuse a ``--storage`` URL with a password in it: sweep.yaml would keep it in clear.

    A password is given as an environment variable instead,
    ``postgresql://user:${PGPASSWORD}@host/db``, expanded when the study is
    opened (:func:`resolve_storage_url`), or left to the database's own
    password file.
    """
    from urllib.parse import urlsplit

    password = urlsplit(url).password
    if password is not None and not password.startswith("$"):
        raise UsageError("--storage: the URL holds a password, which would be written to "
                         "sweep.yaml; write it as an environment variable, e.g. "
                         "postgresql://user:${PGPASSWORD}@host/db, or use the database's "
                         "password file")


def resolve_storage_url(url: str) -> str:
    """``url`` with its ``$VAR`` / ``${VAR}`` references replaced from the environment.

    Raises:
        UsageError: a variable it names is not set.
    """
    import os
    import re

    resolved = os.path.expandvars(url)
    unset = re.findall(r"\$\{?(\w+)", resolved)
    if unset:
        raise UsageError(f"--storage {url}: the environment variable {unset[0]} is not set")
    return resolved


def open_study(storage: str | None, name: str, *, mode: str, sampler: Any = None,
               pruner: Any = None) -> Any:
    """The study ``name`` in ``storage`` (None: in memory), created on first use.

    ``storage`` may name environment variables (``${PGPASSWORD}``), read now.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        storage=None if storage is None else resolve_storage_url(storage), study_name=name, load_if_exists=True, sampler=sampler, pruner=pruner,
        direction="minimize" if mode == "min" else "maximize",
    )
