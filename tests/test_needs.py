"""The labelled evaluation needs: files load, labels are sound and the coverage holds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.needs import REGISTERS, Need, load_needs, normalize_requires, satisfies
from matcher.errors import AmbiguousCommune, DataError, UnknownCommune
from matcher.taxonomy import CAPABILITY_CODES

EVAL_DIR = Path(__file__).resolve().parents[1] / "eval"
DEV = EVAL_DIR / "needs_dev.jsonl"
TEST = EVAL_DIR / "needs_test.jsonl"

DROM = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte"}

#: Département codes of each of the 18 regions.
REGIONS: dict[str, str] = {
    "Auvergne-Rhône-Alpes": "01 03 07 15 26 38 42 43 63 69 73 74",
    "Bourgogne-Franche-Comté": "21 25 39 58 70 71 89 90",
    "Bretagne": "22 29 35 56",
    "Centre-Val de Loire": "18 28 36 37 41 45",
    "Corse": "2A 2B",
    "Grand Est": "08 10 51 52 54 55 57 67 68 88",
    "Hauts-de-France": "02 59 60 62 80",
    "Île-de-France": "75 77 78 91 92 93 94 95",
    "Normandie": "14 27 50 61 76",
    "Nouvelle-Aquitaine": "16 17 19 23 24 33 40 47 64 79 86 87",
    "Occitanie": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "Pays de la Loire": "44 49 53 72 85",
    "Provence-Alpes-Côte d'Azur": "04 05 06 13 83 84",
    "Guadeloupe": "971",
    "Martinique": "972",
    "Guyane": "973",
    "La Réunion": "974",
    "Mayotte": "976",
}
PRINT = ["impression_3d_fdm", "impression_3d_resine"]
THREE = ["electronique", "fabrication_pcb", "petite_serie"]

REGION_OF_DEP = {dep: region for region, deps in REGIONS.items() for dep in deps.split()}


@pytest.fixture(scope="module")
def dev() -> list[Need]:
    return load_needs(DEV)


@pytest.fixture(scope="module")
def held_out() -> list[Need]:
    return load_needs(TEST)


@pytest.fixture(scope="module")
def all_needs(dev: list[Need], held_out: list[Need]) -> list[Need]:
    return dev + held_out


@pytest.fixture(scope="module")
def gazetteer():
    gaz_mod = pytest.importorskip("matcher.gazetteer")
    try:
        return gaz_mod.Gazetteer.load()
    except DataError as exc:  # table not built on this machine
        pytest.skip(exc.message)


def _code_counts(needs: list[Need]) -> Counter[str]:
    return Counter(code for need in needs for code in need.codes)


# ----------------------------------------------------------------------- the files


def test_files_load_with_expected_sizes(dev: list[Need], held_out: list[Need]) -> None:
    assert len(dev) >= 125
    assert len(held_out) >= 35
    assert all(n.id.startswith("d") for n in dev)
    assert all(n.id.startswith("t") for n in held_out)


def test_ids_unique_across_files(all_needs: list[Need]) -> None:
    ids = [n.id for n in all_needs]
    assert len(ids) == len(set(ids))


def test_texts_unique_across_files(all_needs: list[Need]) -> None:
    texts = [" ".join(n.text.lower().split()) for n in all_needs]
    assert len(texts) == len(set(texts))


def test_files_store_groups_not_flat_lists() -> None:
    """Other tools may read the JSONL directly: keep the stored form canonical."""
    for path in (DEV, TEST):
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            assert all(isinstance(g, list) for g in raw["requires"]), raw["id"]


def test_every_code_used_at_least_four_times(all_needs: list[Need]) -> None:
    counts = _code_counts(all_needs)
    rare = {code: counts[code] for code in CAPABILITY_CODES if counts[code] < 4}
    assert not rare, f"codes trop rares : {rare}"


def test_test_split_covers_most_codes(held_out: list[Need]) -> None:
    counts = _code_counts(held_out)
    missing = [code for code in CAPABILITY_CODES if not counts[code]]
    assert not missing, f"codes absents du test : {missing}"


def test_out_of_scope_counts(all_needs: list[Need], held_out: list[Need]) -> None:
    assert sum(n.out_of_scope for n in all_needs) >= 15
    assert sum(n.out_of_scope for n in held_out) >= 5


def test_out_of_scope_iff_no_requirement(all_needs: list[Need]) -> None:
    for need in all_needs:
        assert need.out_of_scope == (need.requires == []), need.id
        assert (need.register == "hors_sujet") == need.out_of_scope, need.id


def test_every_register_in_both_splits(dev: list[Need], held_out: list[Need]) -> None:
    assert {n.register for n in dev} == set(REGISTERS)
    assert {n.register for n in held_out} == set(REGISTERS)


def test_radius_within_range(all_needs: list[Need]) -> None:
    assert all(15 <= n.radius_km <= 150 for n in all_needs)


def test_groups_are_small(all_needs: list[Need]) -> None:
    """Labels stay honest: at most three groups, and each group a real alternative."""
    for need in all_needs:
        assert len(need.requires) <= 3, need.id
        assert all(1 <= len(group) <= 4 for group in need.requires), need.id


# ------------------------------------------------------------------- the communes


def test_every_commune_resolves(all_needs: list[Need], gazetteer) -> None:
    failures = []
    for need in all_needs:
        try:
            gazetteer.resolve(need.commune)
        except (UnknownCommune, AmbiguousCommune) as exc:
            failures.append(f"{need.id} {need.commune!r} : {exc.message}")
    assert not failures, "\n".join(failures)


def test_regions_drom_and_corsica_present(all_needs: list[Need], held_out: list[Need], gazetteer) -> None:
    deps = Counter(gazetteer.resolve(n.commune).commune.dep for n in all_needs)
    regions = {REGION_OF_DEP[d] for d in deps}
    assert regions == set(REGIONS), f"régions absentes : {set(REGIONS) - regions}"
    assert set(DROM) <= set(deps)
    assert {"2A", "2B"} & set(deps)
    test_deps = {gazetteer.resolve(n.commune).commune.dep for n in held_out}
    assert len(set(DROM) & test_deps) >= 3
    assert {"2A", "2B"} & test_deps


# ----------------------------------------------------------------------- satisfies


@pytest.mark.parametrize(
    ("requires", "capabilities", "expected"),
    [
        ([["decoupe_laser"]], {"decoupe_laser"}, True),
        ([["decoupe_laser"]], {"fraisage_cnc_bois"}, False),
        ([["decoupe_laser", "fraisage_cnc_bois"]], {"fraisage_cnc_bois"}, True),
        ([["decoupe_laser", "fraisage_cnc_bois"]], {"menuiserie", "coworking"}, False),
        ([["conception_cao"], PRINT], {"conception_cao", "impression_3d_resine"}, True),
        ([["conception_cao"], PRINT], {"impression_3d_fdm"}, False),
        ([["conception_cao"], PRINT], {"conception_cao"}, False),
        (["decoupe_laser", "conception_cao"], {"decoupe_laser", "conception_cao", "coworking"}, True),
        (["decoupe_laser", "conception_cao"], {"decoupe_laser"}, False),
        ([["electronique"], ["fabrication_pcb"], ["petite_serie"]], set(THREE), True),
        ([["electronique"], ["fabrication_pcb"], ["petite_serie"]], {"electronique", "petite_serie"}, False),
        ([["decoupe_laser"]], set(), False),
        ([], set(), True),
        ([], {"decoupe_laser"}, True),
        ([[]], {"decoupe_laser"}, False),
    ],
)
def test_satisfies(requires, capabilities, expected) -> None:
    assert satisfies(requires, capabilities) is expected


def test_satisfies_accepts_any_iterable() -> None:
    assert satisfies((("moulage", "thermoformage"),), frozenset({"thermoformage"}))
    assert satisfies([["moulage"]], ["moulage", "scanner_3d"])


def test_every_need_is_satisfiable(all_needs: list[Need]) -> None:
    for need in all_needs:
        assert satisfies(need.requires, need.codes), need.id


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["decoupe_laser", "conception_cao"], [["decoupe_laser"], ["conception_cao"]]),
        ([["decoupe_laser", "fraisage_cnc_bois"]], [["decoupe_laser", "fraisage_cnc_bois"]]),
        (["conception_cao", PRINT], [["conception_cao"], PRINT]),
        ([], []),
        (None, []),
    ],
)
def test_normalize_requires(raw, expected) -> None:
    assert normalize_requires(raw) == expected


def test_flat_list_is_normalised_by_the_model() -> None:
    raw = {"id": "x1", "text": "graver et dessiner", "commune": "Lorient", "radius_km": 30}
    need = Need.model_validate(raw | {"requires": ["decoupe_laser", "conception_cao"]})
    assert need.requires == [["decoupe_laser"], ["conception_cao"]]
    assert need.out_of_scope is False and need.register is None


# ------------------------------------------------------------------------ loader


def _line(**over) -> str:
    base = {
        "id": "x001",
        "text": "Découpe laser de lettres en PMMA",
        "commune": "Lorient",
        "requires": [["decoupe_laser"]],
        "radius_km": 40,
        "out_of_scope": False,
        "register": "formel",
    }
    base.update(over)
    return json.dumps(base, ensure_ascii=False)


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "besoins.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_loader_reads_a_valid_file_and_skips_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(), "", _line(id="x002", requires=["decoupe_laser", "conception_cao"]))
    needs = load_needs(path)
    assert [n.id for n in needs] == ["x001", "x002"]
    assert needs[1].requires == [["decoupe_laser"], ["conception_cao"]]


def test_loader_broken_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(), '{"id": "x002", "text": "oups"')
    with pytest.raises(DataError) as info:
        load_needs(path)
    assert "ligne 2" in info.value.message
    assert "JSON invalide" in info.value.message


def test_loader_not_an_object(tmp_path: Path) -> None:
    path = _write(tmp_path, "[1, 2]")
    with pytest.raises(DataError, match="ligne 1"):
        load_needs(path)


def test_loader_unknown_code_names_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(), _line(id="x002"), _line(id="x003", requires=[["decoupe_lazer"]]))
    with pytest.raises(DataError) as info:
        load_needs(path)
    msg = info.value.message
    assert "ligne 3" in msg and "« requires »" in msg and "decoupe_lazer" in msg and "inconnu" in msg


def test_loader_out_of_scope_with_requires(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(out_of_scope=True))
    with pytest.raises(DataError) as info:
        load_needs(path)
    msg = info.value.message
    assert "ligne 1" in msg and "hors sujet" in msg and "« out_of_scope »" in msg and "« requires »" in msg


def test_loader_in_scope_without_requires(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(requires=[]))
    with pytest.raises(DataError, match="au moins une capacité"):
        load_needs(path)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 800}, "radius_km"),
        ({"radius_km": "loin"}, "radius_km"),
        ({"register": "poetique"}, "register"),
        ({"text": "  "}, "text"),
        ({"commune": ""}, "commune"),
        ({"requires": [[]]}, "requires"),
        ({"requires": "decoupe_laser"}, "requires"),
        ({"colour": "rouge"}, "colour"),
    ],
)
def test_loader_bad_field_is_named(tmp_path: Path, override: dict, field: str) -> None:
    path = _write(tmp_path, _line(**override))
    with pytest.raises(DataError) as info:
        load_needs(path)
    assert "ligne 1" in info.value.message
    assert f"« {field} »" in info.value.message


def test_loader_missing_field(tmp_path: Path) -> None:
    raw = json.loads(_line())
    del raw["commune"]
    path = _write(tmp_path, json.dumps(raw))
    with pytest.raises(DataError, match="« commune » : champ obligatoire absent"):
        load_needs(path)


def test_loader_duplicate_id(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(), _line())
    with pytest.raises(DataError, match="ligne 2.*déjà utilisé ligne 1"):
        load_needs(path)


def test_loader_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="introuvable"):
        load_needs(tmp_path / "absent.jsonl")
    with pytest.raises(DataError, match="Aucun besoin"):
        load_needs(_write(tmp_path, ""))
