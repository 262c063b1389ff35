"""The real-data evaluation: the public directories imported by our importer, needs written by
hand (``needs_dev.jsonl``, ``needs_test.jsonl``), relevance from blind judgements of the source
records (:mod:`eval.real.judgments`).

``afn-match eval --real [--split dev|test]`` imports ``AFN_REAL_DATA`` (default
``../shared/data/real``) into the cache, builds its own index there, runs the full ranker and two
baselines (« 5 plus proches », « BM25 + distance ») and writes ``eval/real/REPORT.md``.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from matcher.catalogue import Workshop
from matcher.errors import DataError
from matcher.gazetteer import haversine_km
from matcher.importers import run_import
from matcher.importers.output import write_jsonl
from matcher.service import MatchService
from matcher.settings import Settings

from ..baselines import SYSTEMS, nearest, run_baseline
from ..evaluate import SystemRun
from ..needs import Need, load_needs
from .judgments import HERE, Lookup, agreement, combined, grade, load_judges

K = 5
#: the day the directories are imported "on": fixed, so that staleness and the index do not
#: change from one day to the next
EVAL_TODAY = date(2026, 12, 1)
SYSTEM_NAMES = ("complet", "5 plus proches", "BM25 + distance")


def real_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"Dossier des annuaires réels introuvable : {folder} (réglez AFN_REAL_DATA).",
                        code="donnees_reelles_absentes")
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".csv", ".geojson"))


def real_settings(settings: Settings) -> Settings:
    """The same settings on the imported catalogue, with its own index in the cache."""
    root = settings.cache_dir / "real"
    return settings.model_copy(update={"catalogue": root / "catalogue.jsonl", "index_dir": root / "index"})


def import_real(settings: Settings) -> Settings:
    """Import the directories (``EVAL_TODAY``) into the cache; the settings to match on them."""
    result = run_import(real_files(settings.real_data), settings=settings, today=EVAL_TODAY)
    real = real_settings(settings)
    real.catalogue.parent.mkdir(parents=True, exist_ok=True)
    fresh = real.catalogue.with_suffix(".new")
    write_jsonl(fresh, result.workshops)
    if not real.catalogue.exists() or real.catalogue.read_bytes() != fresh.read_bytes():
        fresh.replace(real.catalogue)
    else:
        fresh.unlink()
    return real


def keys_of(w: Workshop) -> list[str]:
    return [f"{p.file}#{p.source_id}" for p in w.sources]


def systems(service: MatchService, needs: Sequence[Need]) -> dict[str, SystemRun]:
    return {"complet": SYSTEMS["complet"](service, needs),
            "5 plus proches": run_baseline(service, needs, "5 plus proches", nearest),
            "BM25 + distance": SYSTEMS["BM25 + distance"](service, needs)}


@dataclass
class NeedView:
    """What the metrics read of one need on the catalogue: distances and judged evidence."""

    need: Need
    distance: dict[str, float]  # workshop id → km (every workshop)
    evidence: dict[str, int]  # judged workshops only

    def grade(self, wid: str) -> int | None:
        e = self.evidence.get(wid)
        return None if e is None else grade(e, self.distance[wid], self.need.radius_km)

    def qrels(self) -> dict[str, int]:
        return {w: g for w in self.evidence if (g := self.grade(w))}


def views(service: MatchService, needs: Sequence[Need], lookup: Lookup) -> dict[str, NeedView]:
    ws = list(service.workshops)
    keys = [keys_of(w) for w in ws]
    out = {}
    for n in needs:
        place = service.locate(n.commune)
        dist = haversine_km(place.lat, place.lon, service.lats, service.lons)
        evidence = {}
        for w, k in zip(ws, keys, strict=True):
            e = lookup.evidence(n.id, k)
            if e is not None:
                evidence[w.id] = e
        out[n.id] = NeedView(n, {w.id: float(d) for w, d in zip(ws, dist, strict=True)}, evidence)
    return out


@dataclass
class Figures:
    values: dict[str, float] = field(default_factory=dict)
    unjudged: list[tuple[str, str]] = field(default_factory=list)  # (need, workshop id) in a top 5
    far_while_near: list[tuple[str, str]] = field(default_factory=list)
    first_irrelevant: list[str] = field(default_factory=list)
    regret: dict[str, float] = field(default_factory=dict)
    without_relevant: list[str] = field(default_factory=list)


def figures(run: SystemRun, v: dict[str, NeedView], needs: Sequence[Need]) -> Figures:
    """nDCG@5 and P@5 (ranx, on the judged results: unjudged ones are counted apart), the share of
    needs whose first result is irrelevant (among those with a relevant place), results beyond 2R
    while a plausible place exists within R, distance regret, out-of-scope recall and false flags."""
    from ranx import Qrels, Run, evaluate

    f = Figures()
    ins = [n for n in needs if not n.out_of_scope]
    for n in ins:
        view = v[n.id]
        top = list(run.run.get(n.id, {}))[:K]
        f.unjudged += [(n.id, w) for w in top if view.grade(w) is None]
        near_plausible = any(view.distance[w] <= n.radius_km and e >= 1 for w, e in view.evidence.items())
        f.far_while_near += [(n.id, w) for w in top if near_plausible and view.distance[w] > 2 * n.radius_km]
        judged = [w for w in top if view.grade(w) is not None]
        relevant_exists = bool(view.qrels())
        if relevant_exists and (run.flagged_out_of_scope.get(n.id) or not judged or view.grade(judged[0]) == 0):
            f.first_irrelevant.append(n.id)
        best = [view.distance[w] for w, g in view.qrels().items() if g == 2]
        if judged and best:
            f.regret[n.id] = max(0.0, view.distance[judged[0]] - min(best))
    scored = [n.id for n in ins if v[n.id].qrels()]
    f.without_relevant = [n.id for n in ins if not v[n.id].qrels()]
    if scored:
        condensed = {i: {w: float(K - r) for r, w in enumerate(w for w in list(run.run.get(i, {}))[:K]
                                                                 if v[i].grade(w) is not None)} or {"__none__": 0.0}
                     for i in scored}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = evaluate(Qrels({i: v[i].qrels() for i in scored}), Run(condensed), ["ndcg@5", "precision@5"])
        f.values.update({k: float(x) for k, x in m.items()})
    oos = [n for n in needs if n.out_of_scope]
    f.values["first_irrelevant"] = len(f.first_irrelevant) / max(len(scored), 1)
    f.values["far_while_near"] = float(len(f.far_while_near))
    f.values["unjudged"] = float(len(f.unjudged))
    f.values["regret_over_10km"] = sum(r > 10 for r in f.regret.values()) / max(len(f.regret), 1)
    f.values["regret_median_km"] = statistics.median(f.regret.values()) if f.regret else math.nan
    f.values["oos_recall"] = sum(bool(run.flagged_out_of_scope.get(n.id)) for n in oos) / len(oos) if oos else 1.0
    f.values["oos_false_flags"] = sum(bool(run.flagged_out_of_scope.get(n.id)) for n in ins) / max(len(ins), 1)
    f.values["n_scored"] = float(len(scored))
    return f


@dataclass
class RealComparison:
    split: str
    needs: list[Need]
    n_workshops: int
    figures: dict[str, Figures]
    agreement: dict[str, float]
    runs: dict[str, SystemRun]

    def margin(self) -> float:
        return self.figures["complet"].values.get("ndcg@5", math.nan) - \
            self.figures["5 plus proches"].values.get("ndcg@5", math.nan)


def compare_real(settings: Settings, split: str, encoder=None,
                 progress: Callable[[str, float], None] | None = None) -> tuple[RealComparison, MatchService]:
    needs = load_needs(HERE / f"needs_{split}.jsonl")
    real = import_real(settings)
    service = MatchService.from_settings(real, encoder=encoder, progress=progress)
    judges = load_judges()
    lookup = Lookup(combined(judges))
    v = views(service, needs, lookup)
    runs = systems(service, needs)
    figs = {name: figures(run, v, needs) for name, run in runs.items()}
    return RealComparison(split, needs, len(service.workshops), figs, agreement(judges), runs), service

