"""The front door under fuzzing: scenario files drawn from the field tree that also generates
``scenarios/schema.json`` (mostly valid values, some of the wrong type or out of range, some
unknown keys), and byte-level mutations of the bundled files. Loading and validating never raise
anything but searchbench's own error, and never take a second per file.

(hypothesis-jsonschema would draw from schema.json directly, but its 0.23.1 release breaks on
current hypothesis; drawing from the same field tree covers the same ground.)

Sizes follow the hypothesis profile (tests/conftest.py): ``dev`` 60 examples, ``ci`` 250,
``thorough`` 3000 for nightly runs (``HYPOTHESIS_PROFILE=thorough pytest tests/fuzz``).
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main
from harness.errors import SearchbenchError
from harness.request.kinds import Integer, Items, Limit, Number, Text
from harness.scenarios import load_scenario
from harness.scenarios.fields import ROOT, Field
from harness.searches import SEARCHES
from simulator import BUNDLED_MODELS

REPO = Path(__file__).resolve().parents[2]
SEEDS = [p.read_bytes() for p in sorted((REPO / "scenarios").glob("*.yaml"))]
SECONDS_PER_FILE = 1.0
FILE = st.integers(0, 10**9)


ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
SEARCH_NAMES = st.sampled_from([*SEARCHES, "linear_exponential", "nope"])


def value_for(field: Field) -> st.SearchStrategy:
    """A value of the field's kind, usually plausible, sometimes anything."""
    if field.kind == "mapping":
        return document_for(field)
    plausible = MAPPINGS[field.kind] if isinstance(field.kind, str) else _of_kind(field)
    return st.integers(0, 29).flatmap(lambda roll: plausible if roll else ANY_SCALAR)


MAPPINGS = {
    "params": st.dictionaries(
        SEARCH_NAMES, st.dictionaries(st.text(max_size=20), ANY_SCALAR, max_size=3), max_size=2
    ),
    "str_map": st.dictionaries(SEARCH_NAMES, SEARCH_NAMES, max_size=2),
    "misses": st.dictionaries(
        SEARCH_NAMES,
        st.text(max_size=30) | st.dictionaries(st.text(max_size=12), st.text(max_size=20)),
        max_size=2,
    ),
}


def _of_kind(field: Field) -> st.SearchStrategy:
    kind = field.kind
    if isinstance(kind, Items):
        if isinstance(kind.item, Text):
            return st.lists(SEARCH_NAMES, max_size=4)
        if isinstance(kind.item, Number):
            return st.lists(st.floats(0, 1) | st.floats(allow_nan=True), max_size=5)
        return st.lists(st.sampled_from([1, 2, 4, 8]), max_size=3, unique=True) | st.lists(
            st.integers(-1, 20), max_size=5
        )
    if isinstance(kind, Text):
        return st.sampled_from(kind.choices) if kind.choices else _strings(field)
    if isinstance(kind, Integer):
        return st.sampled_from([1, 2, 4, 8, 16, 512, 1024, 4096]) | st.integers(-2, 10**13)
    if isinstance(kind, (Number, Limit)):
        return st.floats(0.01, 0.5) | st.floats(1, 10**5) | st.floats(allow_nan=True)
    return st.booleans()


def _strings(field: Field) -> st.SearchStrategy:
    if field.name == "model":
        return st.sampled_from([*BUNDLED_MODELS, "no/such-model"]) | st.text(max_size=40)
    return st.text(max_size=40)


def document_for(field: Field) -> st.SearchStrategy:
    """A mapping with any subset of the field's children, sometimes a stray key."""
    required = {c.name: value_for(c) for c in field.children if c.required}
    optional = {c.name: value_for(c) for c in field.children if not c.required}
    strays = st.dictionaries(st.text(max_size=10), ANY_SCALAR, max_size=1)
    return st.builds(
        lambda known, stray: {**stray, **known},
        st.fixed_dictionaries(required, optional=optional),
        st.just({}) | st.just({}) | strays,
    )


def load_within_a_second(path: Path) -> None:
    start = time.perf_counter()
    try:
        load_scenario(path)
    except SearchbenchError as error:
        assert "\n" not in str(error).split(": ", 1)[0]
    assert time.perf_counter() - start < SECONDS_PER_FILE


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(document=document_for(ROOT), name=FILE)
def test_documents_the_schema_allows(document, name, tmp_path: Path) -> None:
    path = tmp_path / f"f{name}.yaml"
    path.write_text(yaml.safe_dump(document))
    load_within_a_second(path)


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("insert", "delete", "replace", "repeat")))
        chunk = draw(st.binary(min_size=1, max_size=6))
        if action == "insert":
            data[where:where] = chunk
        elif action == "delete":
            del data[where : where + len(chunk)]
        elif action == "replace":
            data[where : where + len(chunk)] = chunk
        else:
            data[where:where] = data[where : where + 40] * draw(st.integers(2, 50))
    return bytes(data)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=mutated(), name=FILE)
def test_mutated_bytes_of_the_bundled_files(data: bytes, name: int, tmp_path: Path) -> None:
    path = tmp_path / f"m{name}.yaml"
    path.write_bytes(data)
    load_within_a_second(path)


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=mutated(), name=FILE)
def test_validate_answers_in_lines(data: bytes, name: int, tmp_path: Path, capsys) -> None:
    path = tmp_path / f"v{name}.yaml"
    path.write_bytes(data)
    assert main(["validate", str(path)]) in (0, 1)
    out = capsys.readouterr().out.splitlines()
    assert out[-1] in ("1 valid, 0 invalid", "0 valid, 1 invalid")
