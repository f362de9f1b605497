"""Folding and Kazakh Latin script, against the official 2021 alphabet (pure, no model)."""

import pytest

from treatyqa.script import OFFICIAL_2021, fold, latin_keys, to_official_latin

# A classic Kazakh sample text with its published transliteration in the 2021 alphabet.
CYRILLIC = "Бұрыңғы өткен заманда, бір данышпан кісі, Бағдат шаһарының бір үлкен қазысының үйіне келіп қоныпты."
LATIN_2021 = "Būryñğy ötken zamanda, bır danyşpan kısı, Bağdat şaharynyñ bır ülken qazysynyñ üiıne kelıp qonypty."


def test_official_2021_transliteration_of_the_published_sample():
    assert to_official_latin(CYRILLIC) == LATIN_2021


def test_the_table_covers_every_kazakh_letter_but_the_russian_only_ones():
    kazakh = set("аәбвгғдежзийкқлмнңоөпрстуұүфхһчшыі")
    assert kazakh <= set(OFFICIAL_2021)
    assert to_official_latin("Ішкі істер") == "Işkı ıster"  # і is dotless ı, capital I
    assert to_official_latin("Ирандық") == "İrandyq"  # и is dotted i, capital İ


@pytest.mark.parametrize("cyr, lat", list(zip(CYRILLIC.split(), LATIN_2021.split())))
def test_every_word_of_the_sample_reads_back_to_its_folded_cyrillic(cyr, lat):
    assert fold(cyr.strip(",.")) in latin_keys(lat.strip(",."))


@pytest.mark.parametrize(
    "latin, cyrillic",
    [
        ("s'ag'yn", "шағын"),  # 2017: apostrophes (s' is ш)
        ("Qazaqstan Respy'blikasy", "Қазақстан Республикасы"),  # 2017: y' for у
        ("Ǵylym", "Ғылым"),  # 2018: acute accents
        ("kúshine", "күшіне"),
        ("shygystardy", "шығыстарды"),  # informal ASCII
        ("zhauapkershilik", "жауапкершілік"),
        ("tanbasy", "таңбасы"),
        ("qūqyqtyq", "құқықтық"),  # 2021
    ],
)
def test_older_alphabets_and_informal_ascii(latin, cyrillic):
    keys = [k for word in latin.split() for k in latin_keys(word)]
    assert all(any(fold(word) == k for k in keys) for word in cyrillic.split())


def test_folding_is_the_russian_keyboard():
    assert fold("ӘҒҚҢӨҰҮҺІ әғқңөұүһі") == "агкноуухи агкноуухи"
    assert fold("сұрау салудың нәтижесі") == fold("сурау салудын нәтижеси") == "сурау салудин натижеси"
    assert fold("ещё") == "еще"


def test_candidates_are_bounded():
    assert len(latin_keys("yyyyyyyyyyyy")) <= 16
