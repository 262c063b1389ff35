"""Lexical channel: BM25 (bm25s) over a French-normalised text of each workshop."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np

from .catalogue import Workshop
from .text import tokens


def workshop_document(w: Workshop) -> str:
    """Everything a company could name: services, description, machines, materials."""
    machines = " ".join(f"{m.name} {m.details}" for m in w.machines)
    return " ".join([w.name, *w.services, w.description, machines, " ".join(w.materials)])


class LexicalIndex:
    """BM25 scores of a need against every workshop, scaled to [0, 1] by the best score."""

    def __init__(self, workshops: Sequence[Workshop]):
        self.ids = [w.id for w in workshops]
        corpus = [tokens(workshop_document(w)) or ["_"] for w in workshops]
        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus, show_progress=False)
        self.vocab = self.bm25.vocab_dict

    def scores(self, text: str) -> np.ndarray:
        query = [t for t in tokens(text) if t in self.vocab]
        if not query:
            return np.zeros(len(self.ids), dtype=np.float32)
        raw = np.asarray(self.bm25.get_scores(query), dtype=np.float32)
        top = float(raw.max())
        return raw / top if top > 0 else raw
