"""How a typed question is read: keyboard, Latin script, typos, mixed languages (pure: the
real corpus and the index's own data files, no model, no store)."""

import re

import pytest

from treatyqa.documents import all_documents
from treatyqa.corpus import load_agreement
from treatyqa.language import detect_language
from treatyqa.lexicon import Lexicon
from treatyqa.normalization import normalize_query


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.from_documents(all_documents(load_agreement()))


@pytest.mark.parametrize(
    "typed, expected",
    [
        # Kazakh on a Russian keyboard: the Kazakh letters come back
        ("сурау салудын нәтижеси туралы кашан хабарлайды", "сұрау салудың нәтижесі туралы қашан хабарлайды"),
        ("шыгыстарды ким котереди", "шығыстарды кім көтереді"),
        ("тараптар кай тилди пайдаланады", "тараптар қай тілді пайдаланады"),
        # Kazakh in Latin script: 2021, 2018 and informal ASCII
        ("Taraptar qandai tildi paidalanady?", "тараптар қандай тілді пайдаланады?"),
        ("Kelisim qashan kúshine enedi", "келісім қашан күшіне енеді"),
        ("shygystardy kim koteredi", "шығыстарды кім көтереді"),
        # typos
        ("Тарптар қандай тілді пайдаланады?", "тараптар қандай тілді пайдаланады?"),
    ],
)
def test_the_retrievers_see_the_words_the_index_knows(lexicon, typed, expected):
    assert normalize_query(typed, lexicon).text == expected


@pytest.mark.parametrize(
    "typed, lang, mixed",
    [
        ("Кто платит?", "ru", False),  # lingua alone says Macedonian
        ("Кто несет?", "ru", False),
        ("Отказ в содействии қашан болуы мүмкін?", "ru", True),
        ("Запрос письменный түрде берілуі керек пе?", "kk", True),
        ("сурау салудын нәтижеси туралы кашан хабарлайды", "kk", False),
        ("Taraptar qandai tildi paidalanady?", "kk", False),
        ("Что должен содержать запрос о содействии?", "ru", False),
        ("Көмек көрсету туралы сұрау салуда не көрсетілуі керек?", "kk", False),
    ],
)
def test_language_from_the_words_with_its_evidence(lexicon, typed, lang, mixed):
    judged = normalize_query(typed, lexicon).language
    assert (judged.lang, judged.mixed) == (lang, mixed)
    assert judged.method == "words" and judged.shares[lang] >= 0.5
    assert set(judged.search_langs) == ({"kk", "ru"} if mixed else {lang})


@pytest.mark.parametrize(
    "typed, meant",
    [
        # two letters swapped is one slip of the fingers, not two edits (Damerau)
        ("Кто несет расохды по запросу?", "расходы"),
        ("Что должен содержтаь запрос о содействии?", "содержать"),
        ("Шығыстарды кім көтрееді?", "көтереді"),
        ("Сұрау салудың нәтижесі туралы қашан хабралайды?", "хабарлайды"),
    ],
)
def test_swapped_letters_are_one_typo(lexicon, typed, meant):
    assert meant in re.findall(r"\w+", normalize_query(typed, lexicon).text)


def test_a_mistyped_russian_word_becomes_the_agreements_word(lexicon):
    text = normalize_query("Кто оплачивает расхды по запросу?", lexicon).text
    assert "расходы" in text and "расхды" not in text


def test_a_single_kazakh_letter_does_not_make_a_russian_question_kazakh(lexicon):
    judged = normalize_query("Какие расходы несет запрашиваемая Сторона, если сұрау салушы Тарап просит срочно?", lexicon).language
    assert judged.lang == "ru"


def test_english_and_off_topic_words_stay_as_typed(lexicon):
    query = normalize_query("What must a request contain?", lexicon)
    assert query.text == "What must a request contain?" and query.language.lang not in ("kk", "ru")
    query = normalize_query("Полиция лейтенантының жалақысы қанша?", lexicon)
    assert "жалақысы" in query.text  # salary: not in the agreement, not "corrected" into it


def test_the_users_choice_of_language_wins(lexicon):
    judged = normalize_query("Кто платит?", lexicon, lang="kk").language
    assert (judged.lang, judged.method) == ("kk", "given")


def test_detection_without_a_lexicon_keeps_short_russian_questions_russian():
    assert detect_language("Кто платит?").lang == "ru"
    assert detect_language("Тараптар орыс тілін пайдаланады").lang == "kk"
    assert detect_language("Що робити з їхнім запитом?").lang == "uk"


@pytest.mark.parametrize(
    "text, lang, method",
    [
        ("Ко плаћа трошкове захтева?", "sr", "letters"),  # ћ: Serbian only
        ("Кој ги сноси трошоците за барањето?", "mk", "lingua"),  # ј: Serbian or Macedonian
        ("Ко сноси трошкове њиховог захтева?", "sr", "lingua"),
        ("Ѓорѓи праќа барање", "mk", "letters"),  # ѓ ќ: Macedonian only
        ("Кой поема разходите по искането?", "bg", "lingua"),
    ],
)
def test_serbian_and_macedonian_by_their_letters(text, lang, method):
    detection = detect_language(text)
    assert (detection.lang, detection.method) == (lang, method)


def test_serbian_and_macedonian_models_load_only_for_their_letters():
    from treatyqa import language

    language._lingua_serbian_macedonian.cache_clear()
    for text in ("Кто платит?", "Кто несет расходы по исполнению запроса?", "Кой поема разходите?"):
        detect_language(text)
    assert language._lingua_serbian_macedonian.cache_info().currsize == 0
    detect_language("Кој ги сноси трошоците?")
    assert language._lingua_serbian_macedonian.cache_info().currsize == 1


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("Правда ли, что запрашиваемая сторона сама несет расходы?", ("правда", "несет")),
        ("Какая зарплата положена офицеру связи?", ("зарплата", "положена")),
    ],
)
def test_a_word_of_the_russian_dictionary_is_no_typo(lexicon, typed, kept):
    # one edit from words the agreement uses (права, несут, положения): correcting them
    # would change the question, and an off-topic word must stay visible to abstention
    query = normalize_query(typed, lexicon)
    words = {w.typed.lower(): w for w in query.words}
    for word in kept:
        assert (words[word].word, words[word].lang, words[word].how) == (word, "ru", "dictionary")
    assert query.text == typed
    assert (query.language.lang, query.language.mixed) == ("ru", False)


def test_kazakh_typed_with_its_own_letters_is_taken_as_typed(lexicon):
    # a Kazakh keyboard is in use: -сын is not -сың, and a word the agreement does not use
    # (жалтарып, кетсе) is not "corrected" into one it does (қайтарып, келсе)
    typed = "Сотталған адам жазасын өтеуден жалтарып кетсе, оны Ресейден қалай іздейміз?"
    assert normalize_query(typed, lexicon).text == typed
