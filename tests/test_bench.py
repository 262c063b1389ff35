"""The benchmark's pure parts (scale-up, percentiles, recall, report) and a tiny run of the command.

No timed assertion: figures depend on the machine; only their presence and coherence are checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from eval import bench
from matcher.catalogue import Workshop, load_catalogue
from matcher.gazetteer import Gazetteer
from matcher.settings import REPO_ROOT, get_settings


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.load(get_settings().gazetteer)


@pytest.fixture(scope="module")
def bundled():
    return load_catalogue(get_settings().catalogue).workshops


@pytest.fixture(scope="module")
def communes(gazetteer):
    return bench.real_communes(gazetteer)


def test_scale_up_is_deterministic_and_keeps_the_bundled_catalogue(bundled, communes):
    a = bench.scale_catalogue(bundled, 1500, communes, seed=0)
    b = bench.scale_catalogue(bundled, 1500, communes, seed=0)
    c = bench.scale_catalogue(bundled, 1500, communes, seed=1)
    assert len(a) == 1500
    assert [w.model_dump() for w in a] == [w.model_dump() for w in b]
    assert [w.id for w in a] != [w.id for w in c]
    assert a[: len(bundled)] == list(bundled)  # the bundled workshops first, unchanged
    assert len({w.id for w in a}) == len(a)
    assert bench.scale_catalogue(bundled, 400, communes) == list(bundled)  # "400" names the bundled catalogue


def test_scale_up_spreads_over_real_communes_and_stays_valid(bundled, communes, gazetteer):
    out = bench.scale_catalogue(bundled, 3000, communes, seed=0)[len(bundled):]
    texts = {tuple(w.texts()) for w in bundled}
    for w in out:
        c = gazetteer.by_insee(w.insee)
        assert (w.commune, w.lat, w.lon) == (c.name, c.lat, c.lon)
        assert w.postcode in c.postcodes
        assert tuple(w.texts()) in texts  # the bundled texts: their embeddings are cached
    assert len({w.insee[:2] for w in out}) >= 80  # spread over (almost) every département
    for w in out[::250]:  # what model_copy skipped: the records still validate
        Workshop.model_validate(w.model_dump())


def test_percentiles_and_summary():
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 0.5) in (50.0, 51.0)
    assert bench.percentile(values, 0.99) == 99.0
    assert bench.percentile([3.0], 0.95) == 3.0
    s = bench.summary_ms([0.010, 0.020, 0.030])
    assert s["p50"] == pytest.approx(20.0) and s["moyenne"] == pytest.approx(20.0) and s["p99"] == pytest.approx(30.0)
    with pytest.raises(ValueError):
        bench.percentile([], 0.5)


def test_perturbation_is_seeded_and_small():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 384)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    a, b = bench.perturb(x, seed=3), bench.perturb(x, seed=3)
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = (a * x).sum(axis=1)
    assert 0.95 < cos.mean() < 0.995


def test_recall_forgives_ties():
    exact = np.array([0.9, 0.8, 0.8, 0.7], dtype=np.float32)
    assert bench.recall_by_similarity(np.array([0.9, 0.8, 0.8]), exact, 3) == 1.0
    assert bench.recall_by_similarity(np.array([0.9, 0.8, 0.7]), exact, 3) == pytest.approx(2 / 3)
    assert bench.recall_at(["a", "b", "c"], ["c", "b", "x"], 2) == 0.5


def test_sizes_are_parsed_in_french():
    assert bench.parse_sizes("400,10000, 100_000") == (400, 10_000, 100_000)
    for bad in ("", "dix", "400,-1"):
        with pytest.raises(ValueError, match="tailles invalides"):
            bench.parse_sizes(bad)


def fake_report() -> dict:
    def lat(p50):
        return {"p50": p50, "p95": p50 * 1.5, "p99": p50 * 2, "moyenne": p50 * 1.1}

    size = {
        "taille": 10_000, "ateliers": 10_000, "textes": 96_000, "index": "ivf", "libelle": "10 000",
        "index_faiss_s": 3.0, "index_ecriture_s": 0.5, "service_s": 4.0,
        "processus": {"besoins": 60, "encodage_ms": lat(22.0), "besoin_ms": lat(24.0), "rapport_p50": 24 / 22,
                      "rapport_moyen": 1.1, "faiss_ms": lat(1.0), "apres_encodage_ms": lat(2.0),
                      "classement_ms": {"p50": 1.0, "p95": 1.5}, "taille_pool": 3200},
        "recherche": {"type": "ivf", "rappel_10": 1.0, "rappel_pool": 0.8, "exacte_ms": lat(10.0), "accord_top10": 0.97},
        "mise_a_jour_ms": lat(30.0), "mise_a_jour_sans_encodage_ms": lat(2.0),
        "api_demarrage_s": 12.0, "api_memoire_chargee": {"rss_mo": 1000.0, "pic_mo": 1100.0},
        "http": {"requetes": 40, "erreurs": 0, "encodage_ms": lat(22.0), "http_ms": lat(30.0), "rapport_p50": 30 / 22,
                 "rapport_moyen": 1.3},
        "debit": [{"clients": 1, "requetes": 12, "erreurs": 0, "debit_rps": 25.0, "latence_ms": lat(40.0)}],
        "api_memoire": {"rss_mo": 1050.0, "pic_mo": 1200.0},
    }
    report = {"date": "2026-01-01 00:00 UTC", "duree_s": 90.0,
              "machine": {"processeur": "CPU de test", "coeurs": 2, "memoire_go": 24.0, "systeme": "Linux",
                          "python": "3.11", "torch": "2", "fils_torch": 2, "faiss": "1", "numpy": "2"},
              "construction": {"textes": 600, "textes_distincts": 500, "encodeur_textes_s": 60.0,
                               "construction_textes_s": 66.0, "encodeur_s": 10.0, "construction_s": 9.1,
                               "rapport_construction": 1.1},
              "tailles": [size],
              "affectation": [{"cas": "5 000 × 400 (dense)", "flot_s": 1.2, "glouton_s": 0.2, "score_flot": 10.0,
                               "score_exact": None, "ecart_flot_exact": None}]}
    report["cibles"] = bench.targets(report)
    return report


def test_targets_say_what_holds():
    by_label = {c["cible"]: c for c in fake_report()["cibles"]}
    ratio = next(c for label, c in by_label.items() if "10 000 ateliers" in label)
    assert ratio["tenue"] is True and ratio["mesure"] == pytest.approx(24 / 22)
    assert next(c for label, c in by_label.items() if "100 000" in label)["tenue"] is None  # not measured
    assert next(c for label, c in by_label.items() if label.startswith("Construction"))["tenue"] is True
    assert next(c for label, c in by_label.items() if label.startswith("Affectation"))["tenue"] is True
    assert next(c for label, c in by_label.items() if label.startswith("Mémoire"))["tenue"] is True


def test_report_writer(tmp_path):
    report = fake_report()
    md, js = bench.write(report, tmp_path, "afn-match bench --sizes 10000")
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Banc d'essai des performances")
    assert "| Rapport besoin / encodage (p50) | 1,09 |" in text
    assert "CPU de test, 2 cœurs" in text and "`afn-match bench --sizes 10000`" in text
    assert "## Cibles" in text and "| oui |" in text and "non mesuré" in text
    assert json.loads(js.read_text(encoding="utf-8"))["tailles"][0]["textes"] == 96_000


def test_bench_command_smoke(tmp_path):
    """A tiny real run: bundled catalogue, a few needs, the API in its process, 2 clients."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-c", "from matcher.cli import main; main()", "bench", "--json", "--sizes", "400",
           "--runs", "3", "--http-runs", "3", "--clients", "1,2", "--sans-affectation",
           "--textes-construction", "30", "--dossier", str(tmp_path / "travail"), "--out", str(tmp_path / "out")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert set(report) >= {"date", "machine", "config", "construction", "tailles", "cibles", "duree_s"}
    (size,) = report["tailles"]
    assert size["ateliers"] == 444 and size["index"] == "flat"
    for key in ("processus", "recherche", "mise_a_jour_ms", "http", "debit", "api_memoire", "api_demarrage_s"):
        assert key in size, key
    assert set(size["processus"]) >= {"encodage_ms", "besoin_ms", "rapport_p50", "faiss_ms", "classement_ms"}
    assert size["recherche"]["rappel_10"] == pytest.approx(1.0)  # the exact index finds the exact rows
    assert [d["clients"] for d in size["debit"]] == [1, 2] and all(d["erreurs"] == 0 for d in size["debit"])
    assert size["http"]["erreurs"] == 0 and size["api_memoire"]["pic_mo"] > 0
    assert (tmp_path / "out" / "BENCH.md").read_text(encoding="utf-8").startswith("# Banc d'essai")
    assert "Rapport écrit" in done.stderr


def test_int8_encoder_is_a_separate_model(torch_encoder):
    """The optional quantised torch path (AFN_ENCODER_BACKEND=torch-int8): its own model id and
    cache, unit vectors close to the float32 ones."""
    from matcher.encoder import quantize_int8

    encoder = torch_encoder
    q = quantize_int8(encoder)
    assert q.model_id == encoder.model_id + "+int8" and q.cache is None
    texts = ["découpe laser de lettres en bois", "broderie de logos sur des polos"]
    a, b = encoder.encode(texts, kind="query"), q.encode(texts, kind="query")
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 0.95
    assert not np.array_equal(a, b)  # really another model
