"""The domain objects (treatyqa.domain): citations in both languages, their keys and dicts,
and the parsed agreement's structure as the rest of the code reads it."""

from __future__ import annotations

import pytest

from treatyqa.corpus import load_agreement
from treatyqa.domain import Agreement, Answer, Citation, Hit, TranslatorNote, citation_from_dict


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return load_agreement()


def every_citation(agreement: Agreement) -> list[Citation]:
    """Each clause and each list item of the agreement."""
    out = []
    for clause in agreement["kk"].clauses():
        out.append(clause.citation)
        out += [Citation(clause.citation.article, clause.citation.paragraph, n) for n in range(1, len(clause.items) + 1)]
    return out


@pytest.mark.parametrize(
    ("citation", "kk", "ru"),
    [
        (Citation(0), "Кіріспе", "Преамбула"),
        (Citation(9), "9-бап", "Статья 9"),
        (Citation(5, 3), "5-бап, 3-тармақ", "Статья 5, пункт 3"),
        (Citation(2, 1, 13), "2-бап, 1-тармақ, 13-тармақша", "Статья 2, пункт 1, подпункт 13"),
        (Citation(9, None, 2), "9-бап, 2-тармақша", "Статья 9, подпункт 2"),
    ],
)
def test_labels_in_both_languages(citation, kk, ru):
    assert citation.label("kk") == kk
    assert citation.label("ru") == ru
    assert citation.label("en") == ru  # any other language: the Russian label


def test_keys_are_short_and_distinct():
    assert [c.key() for c in (Citation(5, 3), Citation(9), Citation(2, 1, 5), Citation(9, None, 2))] == ["5.3", "9", "2.1.5", "9..2"]


def test_every_citation_survives_its_key_and_its_dict(agreement):
    citations = every_citation(agreement)
    assert len(citations) == 36 + 35
    assert len({c.key() for c in citations}) == len(citations)
    for citation in citations:
        assert Citation.from_key(citation.key()) == citation  # the ?clause= links
        assert citation_from_dict(citation.to_dict()) == citation
    assert citation_from_dict({"article": "5", "paragraph": 3}) == Citation(5, 3)  # JSON may carry a string
    assert Citation.from_key("9..2") == Citation(9, None, 2)


def test_clause_of_an_item_drops_only_the_item():
    assert Citation(2, 1, 5).clause == Citation(2, 1)
    assert Citation(9).clause == Citation(9)


def test_segments_are_the_lead_in_the_items_and_the_sentences_of_other_lines(agreement):
    listed = agreement["ru"].clause(Citation(5, 3))
    assert listed.segments() == (listed.lead_in, *listed.items)
    assert listed.text.split("\n") == [listed.lead_in, *listed.items]
    plain = agreement["ru"].clause(Citation(10))
    assert plain.lead_in is None and plain.items == () and len(plain.segments()) == 2


def test_article_text_numbers_its_paragraphs_only_when_it_has_them(agreement):
    numbered = agreement["kk"].article(5)
    assert numbered.numbered and numbered.text.startswith("1. ") and "\n3. Көмек көрсету туралы сұрау салуда:" in numbered.text
    unnumbered = agreement["kk"].article(9)
    assert not unnumbered.numbered and unnumbered.text == unnumbered.clauses[0].text


def test_lookups_fail_loudly_for_what_does_not_exist(agreement):
    ru = agreement["ru"]
    with pytest.raises(KeyError, match="no article 16"):
        ru.article(16)
    with pytest.raises(KeyError, match="no clause 5.9"):
        ru.clause(Citation(5, 9))
    assert ru.clause(Citation(5, 3, 2)) == ru.clause(Citation(5, 3))  # an item is found in its clause
    assert (ru.title_of(0), agreement["kk"].title_of(0)) == ("Преамбула", "Кіріспе")


def test_the_agreement_pairs_both_texts_and_their_provenance(agreement):
    assert agreement.citations() == tuple(c.citation for c in agreement["ru"].clauses())
    pair = agreement.bilingual(Citation(8, 3))
    assert set(pair) == {"kk", "ru"} and pair["kk"].citation == pair["ru"].citation == Citation(8, 3)
    assert agreement.provenance["kk"].authentic and not agreement.provenance["ru"].authentic
    assert set(agreement.notes) == {Citation(6, 3), Citation(7, 4), Citation(7, 5), Citation(8, 4)}
    assert all(note.lang == "ru" and note.literal for note in agreement.notes.values())


def test_hit_to_dict_labels_both_languages_and_rounds_the_score():
    note = TranslatorNote("ru", "Перевод передаёт смысл.", "Буквально.")
    hit = Hit(
        citation=Citation(5, 3, 2), label="Статья 5, пункт 3", title={"kk": "Сұрау салулар", "ru": "Запросы"},
        text={"kk": "kk", "ru": "ru"}, highlight="ru", score=0.123456789, status={"kk": "authentic"},
        highlight_text={"kk": "kk", "ru": "ru"}, note=note,
    )
    data = hit.to_dict("kk")
    assert (data["article"], data["paragraph"], data["item"]) == (5, 3, 2)
    assert data["citations"] == {"kk": "5-бап, 3-тармақ", "ru": "Статья 5, пункт 3"}
    assert data["title"] == "Сұрау салулар" and data["score"] == 0.123457
    assert data["translator_note"] == {"lang": "ru", "note": "Перевод передаёт смысл.", "literal": "Буквально."}
    assert hit.to_dict("en")["title"] == "Сұрау салулар"  # no title in that language: the authentic one
    data["titles"]["kk"] = "changed"
    assert hit.title["kk"] == "Сұрау салулар"  # the dict is a copy, not the hit's own


def test_an_answer_reads_back_from_its_json():
    hit = Hit(
        citation=Citation(5, 3, 2), label="Статья 5, пункт 3", title={"kk": "Сұрау салулар", "ru": "Запросы"},
        text={"kk": "kk", "ru": "ru"}, highlight="ru", score=0.5, status={"kk": "authentic", "ru": "working_translation"},
        highlight_text={"kk": "kk", "ru": "ru"}, note=TranslatorNote("ru", "Смысл.", "Буквально."),
    )
    answer = Answer("Кто?", "ru", False, "Соответствующие положения", (hit, Hit(Citation(9), "Статья 9", {"kk": "Шығыстар", "ru": "Расходы"}, {}, "", 0.25)),
                    read_as={"text": "кто"})
    assert Answer.from_dict(answer.to_dict()).to_dict() == answer.to_dict()
    assert Answer.from_dict(answer.to_dict()).hits[0] == hit
    assert Answer.from_dict({"hits": [{"article": 9}]}).hits[0].citation == Citation(9)  # an older entry: fields empty
    with pytest.raises(KeyError):
        Answer.from_dict({"hits": [{"paragraph": 3}]})


def test_citations_sort_in_the_order_of_the_text():
    mixed = [Citation(9, 1), Citation(5, 3, 2), Citation(9), Citation(0), Citation(5, 3), Citation(5, 3, 1)]
    assert sorted(mixed) == [Citation(0), Citation(5, 3), Citation(5, 3, 1), Citation(5, 3, 2), Citation(9), Citation(9, 1)]
    assert Citation(9) < Citation(9, 1) and not Citation(9, 1) < Citation(9) and Citation(9) <= Citation(9)
