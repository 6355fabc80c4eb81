"""The readers are plug-ins: one module per export format, each with a Reader registered once in
BUILT_IN_READERS, and chosen by what it recognises rather than by an if-chain."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from lookdown.ingest import readers
from lookdown.ingest.readers import BUILT_IN_READERS, FILE_KINDS, pair, reader_for
from lookdown.ingest.readers.base import Look, ReadContext, Reader
from lookdown.ingest.sources import Source, Workspace
from lookdown.ingest.stage import ImportProblem, Scratch

FORMAT_MODULES = [m.name for m in pkgutil.iter_modules(readers.__path__) if m.name != "base"]


@pytest.mark.parametrize("name", FORMAT_MODULES)
def test_every_reader_module_says_what_its_format_is_and_registers_its_reader(name):
    module = importlib.import_module(f"lookdown.ingest.readers.{name}")
    assert module.__doc__ and len(module.__doc__.split()) >= 12, f"{name}.py needs a docstring about its format"
    own = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
           if issubclass(cls, Reader) and cls is not Reader and cls.__module__ == module.__name__]
    assert own, f"{name}.py defines no Reader"
    registered = {type(reader) for reader in BUILT_IN_READERS}
    assert set(own) <= registered, f"{name}.py: register its reader in BUILT_IN_READERS"


def test_kinds_are_unique_and_every_reader_names_its_containers():
    kinds = [reader.kind for reader in BUILT_IN_READERS]
    assert len(kinds) == len(set(kinds))
    assert (*kinds, "needs_mapping", "unknown") == FILE_KINDS
    for reader in BUILT_IN_READERS:
        assert reader.label and reader.containers <= {"zip", "xml", "table"}


def _chosen(name: str, data: bytes, **choices) -> str:
    with Workspace() as workspace, Scratch() as scratch:
        look = Look(Source(name, data), workspace)
        return reader_for(look, ReadContext(scratch, "UTC", None, **choices)).kind


def test_a_file_goes_to_the_first_reader_that_recognises_it():
    assert _chosen("people.csv", b"person_id,department\na,Sales\n") == "template"
    assert _chosen("map.csv", b"person_id,email\np1,a@x.com\n") == "identity_map"
    assert _chosen("hr.csv", b"Employee,Dept\n1,Sales\n") == "mapped"
    assert _chosen("Posts.xml", b'<?xml version="1.0"?><posts><row Id="1"/></posts>') == "stackexchange_xml"


def test_a_chosen_kind_wins_over_recognition_and_an_unknown_container_is_refused():
    assert _chosen("map.csv", b"person_id,email\np1,a@x.com\n", as_kind="people") == "template"
    with pytest.raises(ImportProblem, match="not a Stack Exchange data dump"):
        _chosen("notes.xml", b'<?xml version="1.0"?><notes/>')
    with pytest.raises(ImportProblem, match=r"cannot read \.pdf files"):
        _chosen("deck.pdf", b"%PDF-1.4")


def test_companions_pair_with_a_main_file_of_their_own_format():
    posts = Source("Posts.xml", b'<?xml version="1.0"?><posts><row Id="1"/></posts>')
    users = Source("Users.xml", b'<?xml version="1.0"?><users><row Id="1"/></users>')
    people = Source("people.csv", b"person_id,department\na,Sales\n")
    items = pair([users, people, posts])
    assert [(i.source.name, i.companion.name if i.companion else None) for i in items] == [
        ("people.csv", None), ("Posts.xml", "Users.xml")]
    lonely = pair([users])
    assert [(i.source.name, i.companion) for i in lonely] == [("Users.xml", None)]
