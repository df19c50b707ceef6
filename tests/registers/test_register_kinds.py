"""Each register is described once (engine/registers/kinds.py): the name a job gives it finds its
domain's description, whose functions are that domain's own, and the CLI, the web and the import
jobs all use that one description."""
from __future__ import annotations

import importlib

import pytest

from engine.cli import catalogue as cli_catalogue
from engine.cli import credit as cli_credit
from engine.cli import docs as cli_docs
from engine.cli.registers import register_named
from engine.jobs.imports import import_function
from engine.registers.kinds import DECLARED_IN, RegisterKind, register_kind

NAMES = sorted(DECLARED_IN)
# the register's name → its CLI command module and its web blueprint module
USED_BY = {"penalties": (cli_credit, "web.credit"), "documents": (cli_docs, "web.documents"),
           "catalogue": (cli_catalogue, "web.catalogue")}


def _domain_attributes(name: str) -> list[object]:
    """Everything the register's domain modules (its use_cases and queries) define or import."""
    package = DECLARED_IN[name].rpartition(".")[0]
    return [value for module in ("use_cases", "queries")
            for value in vars(importlib.import_module(f"{package}.{module}")).values()]


def test_every_register_is_described_and_used() -> None:
    assert set(NAMES) == set(USED_BY)


@pytest.mark.parametrize("name", NAMES)
def test_a_register_is_found_by_the_name_it_declares(name: str) -> None:
    kind = register_kind(name)
    assert isinstance(kind, RegisterKind)
    assert kind.name == name


@pytest.mark.parametrize("name", NAMES)
def test_a_register_s_functions_are_its_own_domain_s(name: str) -> None:
    kind = register_kind(name)
    own = _domain_attributes(name)
    for function in (kind.import_file, kind.export, kind.read_file, kind.iterate, kind.count):
        assert any(function == value for value in own), (name, function)
    others = [value for other in NAMES if other != name for value in _domain_attributes(other)]
    assert not any(kind.import_file == value for value in others)


@pytest.mark.parametrize("name", NAMES)
def test_a_job_imports_with_its_register_s_import(name: str) -> None:
    assert import_function(name) is register_kind(name).import_file


def test_a_job_naming_no_register_is_refused() -> None:
    with pytest.raises(ValueError, match="no register 'minutes' to import"):
        import_function("minutes")


@pytest.mark.parametrize("name", NAMES)
def test_a_register_s_template_example_fills_its_columns(name: str) -> None:
    kind = register_kind(name)
    assert kind.columns and len(set(kind.columns)) == len(kind.columns)
    assert set(kind.example) == set(kind.columns)


def test_registers_have_their_own_file_names() -> None:
    stems = [register_kind(name).file_stem for name in NAMES]
    assert all(stems) and len(set(stems)) == len(stems)


@pytest.mark.parametrize("name", NAMES)
def test_the_cli_and_the_web_use_the_same_description(name: str) -> None:
    cli, web = USED_BY[name]
    assert register_named(cli.REGISTER) is register_kind(name)
    assert importlib.import_module(web).IMPORT.kind is register_kind(name)
