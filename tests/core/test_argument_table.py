"""The one argument table agrees with Adam's signature and gives the spec everything."""

from __future__ import annotations

import inspect

import pytest

from adamctl.core import ADAM_DEFAULTS, Adam
from adamctl.core._arguments import ARGUMENTS
from adamctl.core.spec import ADAM_HELP


def _constructor_parameters():
    parameters = inspect.signature(Adam.__init__).parameters.values()
    return [p for p in parameters if p.name != "self" and p.kind is not p.VAR_KEYWORD]


def test_signature_names_and_order_are_the_tables():
    table = [argument.name for argument in ARGUMENTS if argument.constructor]
    assert [p.name for p in _constructor_parameters()] == table


@pytest.mark.parametrize("parameter", _constructor_parameters(), ids=lambda p: p.name)
def test_signature_default_is_the_tables(parameter):
    by_name = {argument.name: argument for argument in ARGUMENTS}
    assert parameter.default == by_name[parameter.name].default
    assert type(parameter.default) is type(by_name[parameter.name].default)


def test_spec_defaults_and_help_come_from_the_table():
    assert ADAM_DEFAULTS == {a.name: a.default for a in ARGUMENTS}
    assert ADAM_HELP == {a.name: a.help for a in ARGUMENTS}


def test_the_only_spec_key_adam_does_not_take_is_the_exclusion_list():
    assert [a.name for a in ARGUMENTS if not a.constructor] == ["exclude_from_weight_decay"]


@pytest.mark.parametrize("argument", ARGUMENTS, ids=lambda a: a.name)
def test_every_default_passes_its_own_check(argument):
    assert argument.check(argument.name, argument.default) == argument.default


def test_adam_takes_its_modes_from_the_table_not_from_the_spec():
    import adamctl.core.adam as adam_module

    source = inspect.getsource(adam_module)
    assert "core.spec" not in source
    assert "from adamctl.core._arguments import EPSILON_MODES, WEIGHT_DECAY_MODES" in source
