"""Large catalogues kept packed in memory (``PackedWorkshops``): same records, same answers."""

from __future__ import annotations

import gc
import sys

import pytest

from matcher.catalogue import (
    Catalogue,
    PackedWorkshops,
    appended,
    load_catalogue,
    pack,
    removed,
    replaced,
    texts_digest,
    workshop_ids,
)
from matcher.service import MatchRequest, MatchService


@pytest.fixture(scope="module")
def plain(catalogue):
    return list(catalogue.workshops)


@pytest.fixture(scope="module")
def packed(plain):
    return PackedWorkshops(plain)


def test_every_record_comes_back_equal(plain, packed):
    assert len(packed) == len(plain)
    assert list(packed) == plain  # iteration
    assert [packed[i] for i in range(len(plain))] == plain  # random access
    assert packed[-1] == plain[-1]
    assert [w.model_dump_json() for w in packed] == [w.model_dump_json() for w in plain]
    assert workshop_ids(packed) == [w.id for w in plain]


@pytest.mark.parametrize("edit", ["replace-first", "replace-middle", "append", "remove-first", "remove-last"])
def test_edits_match_the_tuple_edits(plain, packed, edit):
    new = plain[5].model_copy(update={"id": "atelier-ajoute-pour-test", "capacity": 7})
    pos = {"replace-first": 0, "replace-middle": len(plain) // 2, "remove-first": 0, "remove-last": len(plain) - 1}
    if edit.startswith("replace"):
        got, want = replaced(packed, pos[edit], new), replaced(tuple(plain), pos[edit], new)
    elif edit == "append":
        got, want = appended(packed, new), appended(tuple(plain), new)
    else:
        got, want = removed(packed, pos[edit]), removed(tuple(plain), pos[edit])
    assert isinstance(got, PackedWorkshops) and isinstance(want, tuple)
    assert list(got) == list(want) and workshop_ids(got) == [w.id for w in want]
    assert list(packed) == plain  # the original is never modified


def test_slices_stay_packed(plain, packed):
    part = packed[10:20]
    assert isinstance(part, PackedWorkshops) and list(part) == plain[10:20]


@pytest.mark.parametrize(("above", "kind"), [(None, list), (10_000, list), (443, PackedWorkshops), (0, PackedWorkshops)])
def test_pack_only_above_the_threshold(plain, above, kind):
    assert isinstance(pack(plain, above), kind)


def test_the_digest_does_not_depend_on_packing(plain, packed):
    assert texts_digest(packed) == texts_digest(plain)


def test_load_catalogue_packs_large_files(settings, plain):
    big = load_catalogue(settings.catalogue, packed_above=100)
    small = load_catalogue(settings.catalogue, packed_above=len(plain))
    assert isinstance(big.workshops, PackedWorkshops) and isinstance(small.workshops, list)
    assert list(big.workshops) == list(small.workshops) and big.digest == small.digest


def test_packed_rows_take_far_less_memory(plain):
    """The point of packing: compressed bytes instead of nested pydantic objects."""
    def size_of(objs) -> int:
        seen, todo, total = set(), list(objs), 0
        while todo:
            o = todo.pop()
            if id(o) in seen:
                continue
            seen.add(id(o))
            total += sys.getsizeof(o)
            todo.extend(gc.get_referents(o))
        return total

    packed = PackedWorkshops(plain)
    objects = size_of([w.__dict__ for w in plain])
    compact = size_of([packed._blobs]) + size_of([packed.ids])
    assert compact * 4 < objects, (compact, objects)


def test_a_packed_service_answers_exactly_like_a_plain_one(settings, encoder, service, catalogue):
    """Same matches, field for field, with the catalogue packed (as above 20,000 workshops)."""
    packed_settings = settings.model_copy(update={"packed_catalogue_above": 0})
    other = MatchService(packed_settings, encoder, Catalogue(workshops=catalogue.workshops, digest=catalogue.digest),
                         service.taxonomy, service.gazetteer, service.index)
    assert isinstance(other.workshops, PackedWorkshops)
    needs = [("découpe laser de lettres en contreplaqué pour une vitrine", "Lorient", 40),
             ("impression 3D de pièces en PETG et fraisage CNC d'un support en aluminium", "Lyon", 30),
             ("formation des salariés à la modélisation 3D", "Saint-Denis (974)", 50),
             ("broderie numérique de logos sur des tabliers", "Besançon", 80)]
    for text, commune, radius in needs:
        req = MatchRequest(text=text, commune=commune, radius_km=radius)
        assert other.match(req) == service.match(req)
