"""Evaluation harness: the relevance rule, the metric wiring (ranx) and a small end-to-end run."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from eval.evaluate import SystemRun, exposure, grades, metrics
from eval.needs import Need
from matcher.catalogue import Workshop
from matcher.cli import app
from matcher.gazetteer import Gazetteer

LORIENT = (47.74825, -3.37024)
KM_PER_DEG_LAT = 111.2


def workshop(wid: str, caps: list[str], km_north: float, accepts: bool = True) -> Workshop:
    return Workshop(
        id=wid, name=f"Atelier {wid}", profile="fablab", commune="Lorient", insee="56121", postcode="56100",
        lat=LORIENT[0] + km_north / KM_PER_DEG_LAT, lon=LORIENT[1],
        description="Un atelier de test pour vérifier la règle de pertinence, sans autre prétention.",
        services=["Service de test."], capabilities=caps, machines=[], accepts_companies=accepts, pass_afn=False,
        capacity=2, lead_time_days=5,
    )


def need(requires, radius=40.0, oos=False) -> Need:
    return Need(id="x1", text="besoin de test", commune="Lorient", requires=requires, radius_km=radius,
                out_of_scope=oos)


@pytest.fixture(scope="module")
def gaz():
    return Gazetteer.load()


@pytest.mark.parametrize(
    ("requires", "caps", "accepts", "km", "expected"),
    [
        ([["decoupe_laser"]], ["decoupe_laser"], True, 10, 3),
        ([["decoupe_laser"]], ["decoupe_laser"], True, 39, 3),
        ([["decoupe_laser"]], ["decoupe_laser"], True, 41, 1),
        ([["decoupe_laser"]], ["decoupe_laser"], True, 79, 1),
        ([["decoupe_laser"]], ["decoupe_laser"], True, 81, 0),
        ([["decoupe_laser"]], ["decoupe_laser"], False, 5, 0),
        ([["decoupe_laser"]], ["impression_3d_fdm"], True, 5, 0),
        ([["decoupe_laser", "fraisage_cnc_bois"]], ["fraisage_cnc_bois"], True, 5, 3),
        ([["conception_cao"], ["impression_3d_fdm"]], ["impression_3d_fdm"], True, 5, 0),
        ([["conception_cao"], ["impression_3d_fdm"]], ["conception_cao", "impression_3d_fdm"], True, 5, 3),
        (["conception_cao", "impression_3d_fdm"], ["conception_cao"], True, 5, 0),  # flat list: all required
    ],
)
def test_relevance_rule(gaz, requires, caps, accepts, km, expected):
    w = workshop("atelier-test", caps, km, accepts)  # alone: the nearest that answers, when within the radius
    assert grades(need(requires), [w], gaz).get("atelier-test", 0) == expected


@pytest.mark.parametrize(
    ("kms", "expected"),
    [
        ((1, 8, 25, 60), [3, 3, 2, 1]),  # within 10 km of the nearest answering workshop: 3
        ((15, 30), [3, 2]),
        ((45, 50), [1, 1]),  # none within the radius: nothing is graded 3
    ],
)
def test_relevance_rewards_proximity(gaz, kms, expected):
    ws = [workshop(f"atelier-{i}", ["decoupe_laser"], km) for i, km in enumerate(kms)]
    got = grades(need([["decoupe_laser"]]), ws, gaz)
    assert [got.get(w.id, 0) for w in ws] == expected


def test_distance_regret(gaz):
    from eval.evaluate import SystemRun, distance_regret

    ws = [workshop("pres", ["decoupe_laser"], 1), workshop("loin", ["decoupe_laser"], 30),
          workshop("rien", ["impression_3d_fdm"], 0)]
    run = SystemRun("x", run={"x1": {"loin": 2.0, "pres": 1.0}})
    assert round(distance_regret([need([["decoupe_laser"]])], ws, gaz, run)["x1"]) == 29
    run = SystemRun("x", run={"x1": {"rien": 2.0}})  # nearer than the nearest answer: no regret
    assert distance_regret([need([["decoupe_laser"]])], ws, gaz, run)["x1"] == 0.0


def test_out_of_scope_need_has_no_relevant_workshop(gaz):
    assert grades(need([], oos=True), [workshop("atelier-test", ["decoupe_laser"], 1)], gaz) == {}


def run_of(ranked: dict[str, list[str]], flagged: dict[str, bool] | None = None) -> SystemRun:
    return SystemRun("t", run={q: {w: float(len(ws) - i) for i, w in enumerate(ws)} for q, ws in ranked.items()},
                     flagged_out_of_scope=flagged or {}, seconds=1.0)


def mk(i, oos=False):
    return Need(id=i, text="texte de test", commune="Lorient", requires=[] if oos else [["decoupe_laser"]], radius_km=40,
                out_of_scope=oos)


def test_metric_wiring():
    needs = [mk("a"), mk("b"), mk("c", oos=True), mk("d", oos=True), mk("e")]
    qrels = {"a": {"w1": 2, "w2": 1}, "b": {"w3": 2}, "c": {}, "d": {}, "e": {}}
    run = run_of({"a": ["w1", "w2", "w9"], "b": ["w9", "w3"], "e": ["w1"]},
                 flagged={"c": True, "d": False, "e": True})
    m = metrics(needs, qrels, run)
    assert m["n_scored"] == 2, "a need with no relevant workshop is left out of the averages"
    assert m["precision@1"] == pytest.approx(0.5)
    assert m["mrr@10"] == pytest.approx((1 + 0.5) / 2)
    assert m["recall@10"] == pytest.approx(1.0)
    assert 0.5 < m["ndcg@10"] < 1.0
    assert m["oos_recall"] == pytest.approx(0.5) and m["oos_precision"] == pytest.approx(0.5)
    assert m["in_scope_flagged"] == pytest.approx(1 / 3)
    perfect = metrics(needs[:2], qrels, run_of({"a": ["w1", "w2"], "b": ["w3"]}))
    assert perfect["ndcg@10"] == pytest.approx(1.0) and math.isnan(perfect["oos_precision"])


@pytest.mark.parametrize(
    ("ranked", "ids", "coverage", "gini"),
    [
        ({"q1": ["a"], "q2": ["b"]}, ["a", "b"], 1.0, 0.0),
        ({"q1": ["a"], "q2": ["a"]}, ["a", "b"], 0.5, 0.5),
        ({}, ["a", "b"], 0.0, 0.0),
    ],
)
def test_exposure(ranked, ids, coverage, gini):
    e = exposure(run_of(ranked), ids)
    assert e["coverage"] == pytest.approx(coverage) and e["gini"] == pytest.approx(gini)


def test_small_end_to_end_eval(service, tmp_path):
    from eval.needs import load_needs
    from eval.report import compare, write_report
    from matcher.settings import REPO_ROOT

    needs = load_needs(REPO_ROOT / "eval" / "needs_dev.jsonl")[:25]
    comp = compare(service, needs, "needs_dev.jsonl")
    assert set(comp.table) >= {"aléatoire", "plus proches", "BM25 + distance", "dense seul", "complet"}
    assert comp.table["complet"]["ndcg@10"] > comp.table["aléatoire"]["ndcg@10"]
    for row in comp.table.values():
        assert 0.0 <= row["ndcg@10"] <= 1.0 and 0.0 <= row["coverage"] <= 1.0
    report = write_report(comp, service, tmp_path)
    text = report.read_text(encoding="utf-8")
    assert "| complet |" in text and "Les 10 besoins les moins bien servis" in text
    assert (tmp_path / "systems.png").stat().st_size > 1000 and (tmp_path / "ndcg_by_capability.png").exists()
    assert json.loads((tmp_path / "results.json").read_text())["systems"]["complet"]["ndcg@10"] is not None


def test_eval_command_json_and_bad_file(service, tmp_path):
    from matcher.settings import REPO_ROOT

    small = tmp_path / "needs.jsonl"
    lines = (REPO_ROOT / "eval" / "needs_test.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "--needs", str(small), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    assert "complet" in data["systems"] and "full_minus_best_baseline_ndcg@10" in data
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "z1", "text": "x", "commune": "Lorient", "requires": [["pas_un_code"]]}\n',
                   encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "--needs", str(bad)])
    assert res.exit_code == 2 and "ligne 1" in res.output and "Traceback" not in res.output
    far = tmp_path / "far.jsonl"
    far.write_text('{"id": "z2", "text": "découpe laser", "commune": "Zzyxville", "requires": [["decoupe_laser"]], '
                   '"radius_km": 30}\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "--needs", str(far)])
    assert res.exit_code == 2 and "z2" in res.output and "Traceback" not in res.output
