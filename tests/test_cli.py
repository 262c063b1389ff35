"""The command line, through typer's runner and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from matcher.cli import app

runner = CliRunner()
EXAMPLE = "découpe laser de lettres en contreplaqué pour une vitrine"


def test_match_json_schema(service):
    res = runner.invoke(app, ["match", EXAMPLE, "--commune", "Lorient", "--rayon", "40", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {"out_of_scope", "message", "commune", "results"}
    assert data["commune"]["insee"] == "56121"
    first = data["results"][0]
    assert set(first) >= {"workshop_id", "name", "score", "distance_km", "matched_capabilities",
                          "explanation", "remaining_capacity"}
    assert "decoupe_laser" in first["matched_capabilities"] and first["distance_km"] <= 40


def test_match_table(service):
    res = runner.invoke(app, ["match", EXAMPLE, "--commune", "Lorient", "--top", "3"])
    assert res.exit_code == 0, res.output
    assert "Lorient" in res.output and "Découpe laser" in res.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["match", "", "--commune", "Lorient"], "Décrivez votre besoin"),
        (["match", "découpe laser"], "--commune"),
        (["match", "x" * 5001, "--commune", "Lorient"], "trop long"),
        (["match", "découpe laser", "--commune", "Lorient", "--rayon", "0"], "rayon"),
        (["match", "découpe laser", "--commune", "Lorient", "--rayon", "99999"], "rayon"),
        (["match", "découpe laser", "--commune", "Saint-Denis"], "Saint-Denis"),
        (["match", "découpe laser", "--commune", "Qwxzrt"], "commune"),
    ],
)
def test_bad_input_exit_2_in_french(service, args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert needle.lower() in res.output.lower()
    assert "Traceback" not in res.output


def test_batch(service, tmp_path):
    f = tmp_path / "needs.jsonl"
    f.write_text(
        "\n".join([
            json.dumps({"id": "a", "text": EXAMPLE, "commune": "Lorient", "radius_km": 40}),
            "{pas du json",
            json.dumps({"id": "c", "text": "broderie de logos sur des tabliers", "commune": "Lyon"}),
            json.dumps({"id": "d", "commune": "Lyon"}),
            json.dumps({"id": "e", "text": "gravure laser", "commune": "Lyon", "radius_km": "loin"}),
            json.dumps({"id": "f", "text": "gravure laser", "commune": "Lyon", "radius_km": 0}),
        ]) + "\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["match", "--batch", str(f), "--top", "5"])
    assert res.exit_code == 2  # some lines failed, all good ones answered
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "ligne-2", "c", "d", "e", "f"]
    assert 1 <= len(lines[0]["results"]) <= 5 and "error" in lines[1] and "results" in lines[2]
    assert "text" in lines[3]["error"]["message"]
    assert lines[4]["error"]["message"] == "ligne 5 : valeur invalide pour « radius_km »"
    assert lines[5]["error"]["code"] == "rayon_invalide" and "rayon" in lines[5]["error"]["message"]


def test_batch_missing_file():
    res = runner.invoke(app, ["match", "--batch", "/nonexistent/needs.jsonl"])
    assert res.exit_code == 2 and "introuvable" in res.output


def test_real_process_answers_and_never_prints_a_traceback(service):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    exe = [sys.executable, "-m", "matcher.cli"]
    ok = subprocess.run([*exe, "match", EXAMPLE, "--commune", "Lorient", "--json"], capture_output=True,
                        text=True, env=env, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["results"]
    bad = subprocess.run([*exe, "match", "découpe", "--commune", "Lorient", "--rayon", "-3"], capture_output=True,
                         text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "rayon" in bad.stderr.lower()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["match", "x", "--commune", "Lorient", "--rayon", "abc"], "nombre de kilomètres"),
        (["match", "x", "--commune", "Lorient", "--top", "2.5"], "nombre entier"),
        (["match", "x", "--comune", "Lorient"], "option inconnue : --comune (vouliez-vous dire --commune ?)"),
        (["match", "x", "--commune"], "attend une valeur"),
        (["frobnicate"], "commande inconnue : frobnicate"),
    ],
)
def test_usage_errors_are_french_with_exit_2(args, needle):
    res = subprocess.run([sys.executable, "-m", "matcher.cli", *args], capture_output=True, text=True,
                         env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr and "Traceback" not in res.stderr and "Error" not in res.stderr


def test_no_arguments_shows_french_help():
    res = subprocess.run([sys.executable, "-m", "matcher.cli"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "Trouver l'atelier" in res.stdout
