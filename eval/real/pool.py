"""Judging packets for the places a system proposes that no judge has graded yet.

``python -m eval.real.pool OUT_DIR`` runs the full ranker and the baselines on both splits and
writes, for the unjudged places of their top 5, a blind packet (needs, anonymous candidates in a
shuffled order, their source records only) and the private map from candidates to source keys.
The judges' lines are then added to ``judgments_a.jsonl`` / ``judgments_b.jsonl`` with the map.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from matcher.settings import get_settings

from ..needs import load_needs
from .evaluate_real import K, import_real, keys_of, systems
from .judgments import HERE, Lookup, combined, load_judges
from .sources import source_records


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    from matcher.service import MatchService

    service = MatchService.from_settings(import_real(settings))
    lookup = Lookup(combined(load_judges()))
    records = source_records(str(settings.real_data))
    by_id = {w.id: w for w in service.workshops}
    packet, mapping = [], {}
    for split in ("dev", "test"):
        needs = [n for n in load_needs(HERE / f"needs_{split}.jsonl") if not n.out_of_scope]
        runs = systems(service, needs)
        for n in needs:
            todo = sorted({w for run in runs.values() for w in list(run.run.get(n.id, {}))[:K]
                           if lookup.evidence(n.id, keys_of(by_id[w])) is None})
            random.Random(f"pool-{n.id}").shuffle(todo)
            if not todo:
                continue
            cands = []
            for j, wid in enumerate(todo, 1):
                cid = f"{n.id}-x{j:02d}"
                keys = keys_of(by_id[wid])
                mapping[cid] = keys
                cands.append({"candidate": cid, "records": [records[k] for k in keys if k in records]})
            packet.append({"need": n.id, "text": n.text, "candidates": cands})
    (out / "packet.json").write_text(json.dumps(packet, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "map.json").write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    print(f"{len(mapping)} candidats à juger, {len(packet)} besoins : {out / 'packet.json'}")


if __name__ == "__main__":
    main()
