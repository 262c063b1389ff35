"""Lexical channel: BM25 over a French-normalised text of each workshop.

The scores are those of ``bm25s`` (Lucene variant, k1 = 1.5, b = 0.75, float32), bit for bit
(``tests/test_lexical.py`` checks it), but the index is kept as term postings (documents and
term frequencies) and the scores of a term are computed when a query first needs them. So one
workshop can be added, replaced or removed without re-tokenising the catalogue: an edit
returns a new index that shares every posting it did not touch (copy on write), and the index
a running match holds never changes under it.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .catalogue import Workshop
from .text import query_tokens, tokens

K1 = 1.5
B = 0.75
EMPTY_DOC = "_"  # the token of a workshop whose text has none (kept from the bm25s corpus)


def workshop_document(w: Workshop) -> str:
    """Everything a company could name: services, description, machines, materials."""
    machines = " ".join(f"{m.name} {m.details}" for m in w.machines)
    return " ".join([w.name, *w.services, w.description, machines, " ".join(w.materials)])


def document_tokens(w: Workshop) -> list[str]:
    return tokens(workshop_document(w)) or [EMPTY_DOC]


Postings = tuple[np.ndarray, np.ndarray]  # (document positions int32, term frequencies float32)


class LexicalIndex:
    """BM25 scores of a need against every workshop, scaled to [0, 1] by the best score."""

    def __init__(self, workshops: Sequence[Workshop] | None = None, *, documents: Iterable[list[str]] | None = None,
                 _from: tuple | None = None):
        """From the workshops, or from their :func:`document_tokens` already computed."""
        if _from is not None:
            self.postings, self.doc_len, self.total_len = _from
        elif documents is not None:
            self.postings, self.doc_len, self.total_len = _build(documents)
        else:
            self.postings, self.doc_len, self.total_len = _build(document_tokens(w) for w in workshops or [])
        self._columns: dict[str, np.ndarray] = {}  # term -> its BM25 score per posting (lazy)
        self._lock = threading.Lock()

    @property
    def n_docs(self) -> int:
        return int(self.doc_len.size)

    @property
    def vocab(self) -> dict[str, Postings]:
        return self.postings

    # --- scoring ---------------------------------------------------------------------
    def _column(self, term: str) -> np.ndarray:
        col = self._columns.get(term)
        if col is not None:
            return col
        docs, tf = self.postings[term]
        n, df = self.n_docs, int(docs.size)
        avg = self.total_len / n  # == np.mean of the lengths: an exact integer sum, one division
        idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
        tfc = tf / (K1 * ((1 - B) + B * self.doc_len[docs] / avg) + tf)
        col = (idf * tfc).astype(np.float32)
        with self._lock:
            self._columns[term] = col
        return col

    def scores(self, text: str, at: np.ndarray | None = None) -> np.ndarray:
        """Scaled scores of every workshop, or only of the positions ``at`` (same values)."""
        query = [t for t in query_tokens(text) if t in self.postings]
        if not query:
            return np.zeros(self.n_docs if at is None else len(at), dtype=np.float32)
        raw = np.zeros(self.n_docs, dtype=np.float32)
        for term in query:
            raw[self.postings[term][0]] += self._column(term)
        top = float(raw.max())
        part = raw if at is None else raw[at]
        return part / top if top > 0 else part

    # --- edits: each returns a new index, this one is left as it was ------------------
    def replaced(self, pos: int, old: Workshop, new: Workshop) -> LexicalIndex:
        """The index with the document at ``pos`` rewritten from ``old`` to ``new``."""
        before, after = Counter(document_tokens(old)), Counter(document_tokens(new))
        postings = dict(self.postings)
        for term in before.keys() | after.keys():
            if before.get(term) == after.get(term):
                continue
            docs, tf = postings.get(term, (np.zeros(0, np.int32), np.zeros(0, np.float32)))
            k = int(np.searchsorted(docs, pos))
            present = k < docs.size and docs[k] == pos
            if term in after:
                if present:
                    tf = tf.copy()
                    tf[k] = after[term]
                else:
                    docs, tf = np.insert(docs, k, pos), np.insert(tf, k, np.float32(after[term]))
                postings[term] = (docs, tf)
            elif present:
                docs, tf = np.delete(docs, k), np.delete(tf, k)
                if docs.size:
                    postings[term] = (docs, tf)
                else:
                    del postings[term]
        doc_len = self.doc_len.copy()
        total = self.total_len - int(doc_len[pos]) + sum(after.values())
        doc_len[pos] = sum(after.values())
        return LexicalIndex(_from=(postings, doc_len, total))

    def appended(self, new: Workshop) -> LexicalIndex:
        """The index with one more document, at the last position."""
        counts = Counter(document_tokens(new))
        pos = self.n_docs
        postings = dict(self.postings)
        for term, c in counts.items():
            docs, tf = postings.get(term, (np.zeros(0, np.int32), np.zeros(0, np.float32)))
            postings[term] = (np.append(docs, np.int32(pos)), np.append(tf, np.float32(c)))
        length = sum(counts.values())
        return LexicalIndex(_from=(postings, np.append(self.doc_len, length), self.total_len + length))

    def removed(self, pos: int, old: Workshop) -> LexicalIndex:
        """The index without the document at ``pos``; later documents move up by one."""
        gone = set(document_tokens(old))
        postings: dict[str, Postings] = {}
        for term, (docs, tf) in self.postings.items():
            if term in gone:
                keep = docs != pos
                docs, tf = docs[keep], tf[keep]
                if not docs.size:
                    continue
            if docs.size and docs[-1] > pos:
                docs = np.where(docs > pos, docs - 1, docs).astype(np.int32)
            postings[term] = (docs, tf)
        length = int(self.doc_len[pos])
        return LexicalIndex(_from=(postings, np.delete(self.doc_len, pos), self.total_len - length))


def _build(corpus: Sequence[list[str]] | Iterable[list[str]], chunk: int = 4096) -> tuple[dict[str, Postings], np.ndarray, int]:
    """Postings of every term, vectorised chunk by chunk (memory stays proportional to a chunk
    of documents plus the postings): (term, document) pairs sorted by term, documents in order."""
    vocab: dict[str, int] = {}
    terms: list[np.ndarray] = []
    docs: list[np.ndarray] = []
    freqs: list[np.ndarray] = []
    lengths: list[int] = []
    batch: list[list[str]] = []

    def flush() -> None:
        if not batch:
            return
        sizes = np.fromiter((len(d) for d in batch), dtype=np.int64, count=len(batch))
        flat = np.fromiter((vocab.setdefault(t, len(vocab)) for d in batch for t in d), dtype=np.int64,
                           count=int(sizes.sum()))
        first = len(lengths)
        owner = np.repeat(np.arange(first, first + len(batch), dtype=np.int64), sizes)
        keys, counts = np.unique(owner * (1 << 31) + flat, return_counts=True)  # by document, then term
        docs.append((keys >> 31).astype(np.int32))
        terms.append((keys & ((1 << 31) - 1)).astype(np.int32))
        freqs.append(counts.astype(np.float32))
        lengths.extend(sizes.tolist())
        batch.clear()

    for doc in corpus:
        batch.append(doc)
        if len(batch) >= chunk:
            flush()
    flush()
    doc_len = np.asarray(lengths, dtype=np.int64)
    if not lengths:
        return {}, doc_len, 0
    # one array at a time, each chunk list freed once joined: the start-up peak of a large
    # catalogue stays near twice the postings, not four times
    term_of = np.concatenate(terms)
    terms.clear()
    order = np.argsort(term_of, kind="stable")  # stable: documents stay in increasing order
    term_of = term_of[order]
    doc_of = np.concatenate(docs)
    docs.clear()
    doc_of = doc_of[order]
    tf = np.concatenate(freqs)
    freqs.clear()
    tf = tf[order]
    del order
    bounds = np.searchsorted(term_of, np.arange(len(vocab) + 1))
    postings = {t: (doc_of[bounds[i] : bounds[i + 1]], tf[bounds[i] : bounds[i + 1]]) for t, i in vocab.items()}
    return postings, doc_len, int(doc_len.sum())
