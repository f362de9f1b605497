"""Every string the web chat shows, in Kazakh and Russian (``t(key, lang)``).

The interface language is the user's choice (a switch in the page); the answer itself keeps
the language of the question for its citation and quotes. Nothing here is user text: these
strings are escaped like everything else when they are put into HTML.
"""

from __future__ import annotations

from typing import NamedTuple

from treatyqa.domain import LANGUAGES

UI_LANGUAGES = ("kk", "ru")
DEFAULT_UI_LANGUAGE = "kk"

# (label shown in the switch, value); each language is named in itself.
LANGUAGE_CHOICES = [("Қазақша", "kk"), ("Русский", "ru")]

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {
        "kk": "TreatyQA — Келісім бойынша сұрақ-жауап",
        "ru": "TreatyQA — вопросы и ответы по Соглашению",
    },
    "app_subtitle": {
        "kk": "Сұрақты қазақша немесе орысша қойыңыз: жауап ретінде Келісімнің нақты тармағы "
        "дәйексөзімен, қазақша және орысша мәтіндері қатар беріледі.",
        "ru": "Задайте вопрос на казахском или русском: в ответ — точный пункт Соглашения "
        "со ссылкой, казахский и русский тексты рядом.",
    },
    "offline_note": {
        "kk": "Барлық өңдеу осы компьютерде жүреді: сұрақтар ешқайда жіберілмейді.",
        "ru": "Вся обработка идёт на этом компьютере: вопросы никуда не передаются.",
    },
    "ui_language": {"kk": "Интерфейс тілі", "ru": "Язык интерфейса"},
    "chat_label": {"kk": "Сұхбат", "ru": "Диалог"},
    "chat_placeholder": {
        "kk": "Сұрағыңызды төменге жазыңыз немесе үлгіні таңдаңыз.",
        "ru": "Напишите вопрос ниже или выберите пример.",
    },
    "question_label": {
        "kk": "Сұрақ (қазақша немесе орысша)",
        "ru": "Вопрос (на казахском или русском)",
    },
    "question_placeholder": {
        "kk": "Мысалы: Көмек туралы сұрау салуда не көрсетілуі керек?",
        "ru": "Например: Что должно быть указано в запросе о содействии?",
    },
    "ask": {"kk": "Сұрау", "ru": "Спросить"},
    "clear": {"kk": "Сұхбатты тазалау", "ru": "Очистить диалог"},
    "history_note": {
        "kk": "Сұхбат тек осы браузерде сақталады.",
        "ru": "Диалог хранится только в этом браузере.",
    },
    "examples": {"kk": "Сұрақ үлгілері", "ru": "Примеры вопросов"},
    "feedback_heading": {"kk": "Жауап пайдалы болды ма?", "ru": "Был ли ответ полезен?"},
    "feedback_comment": {"kk": "Пікір қосу (міндетті емес)", "ru": "Добавить комментарий (необязательно)"},
    "feedback_comment_placeholder": {
        "kk": "Не дұрыс емес немесе не жетіспейді?",
        "ru": "Что неверно или чего не хватает?",
    },
    "feedback_send": {"kk": "Пікірді жіберу", "ru": "Отправить комментарий"},
    "feedback_changed": {
        "kk": "Бағаңыз өзгертілді және сақталды.",
        "ru": "Оценка изменена и сохранена.",
    },
    "feedback_choose": {
        "kk": "Алдымен бағаны таңдаңыз: «Пайдалы» немесе «Дәйексөз қате».",
        "ru": "Сначала выберите оценку: «Полезно» или «Неверная ссылка».",
    },
    "copy_citation": {"kk": "Дәйексөзді көшіру", "ru": "Копировать цитату"},
    "copy_link": {"kk": "Сілтемені көшіру", "ru": "Копировать ссылку"},
    "copied": {"kk": "Көшірілді", "ru": "Скопировано"},
    "print": {"kk": "Басып шығару", "ru": "Печать"},
    "export": {"kk": "Құжат ретінде сақтау", "ru": "Сохранить как документ"},
    "print_all": {"kk": "Сұхбатты басып шығару", "ru": "Напечатать диалог"},
    "export_all": {"kk": "Сұхбатты құжат ретінде сақтау", "ru": "Сохранить диалог как документ"},
    "asking": {"kk": "Жауап ізделуде…", "ru": "Идёт поиск ответа…"},
    "agreement_short": {
        "kk": "ҚР ІІМ мен РФ ІІМ арасындағы ынтымақтастық туралы 2008 жылғы 23 қазандағы Келісім",
        "ru": "Соглашения между МВД РК и МВД РФ о сотрудничестве от 23.10.2008",
    },
    "unofficial_quote": {"kk": "ресми емес жұмыс аудармасы", "ru": "неофициальный рабочий перевод"},
    "translator_note": {"kk": "Аудармашының ескертпесі", "ru": "Примечание переводчика"},
    "literal_reading": {
        "kk": "Түпнұсқа мәтіннің сөзбе-сөз оқылуы (орысша)",
        "ru": "Дословное прочтение аутентичного текста",
    },
    "previous_article": {"kk": "Алдыңғы бап", "ru": "Предыдущая статья"},
    "next_article": {"kk": "Келесі бап", "ru": "Следующая статья"},
    "filter_label": {"kk": "Мәтіннен іздеу (қазақша және орысша)", "ru": "Поиск по тексту (казахскому и русскому)"},
    "filter_placeholder": {"kk": "Мысалы: шығыстар немесе расходы", "ru": "Например: расходы или шығыстар"},
    "filter_found": {"kk": "«{query}» сөзі бар тармақтар: {count}", "ru": "Найдено пунктов с «{query}»: {count}"},
    "filter_none": {"kk": "«{query}» Келісім мәтінінде кездеспейді.", "ru": "«{query}» в тексте Соглашения не встречается."},
    "no_such_clause": {
        "kk": "Келісімде «{clause}» тармағы жоқ; баптың толық мәтіні көрсетілді.",
        "ru": "В Соглашении нет пункта «{clause}»; показан полный текст статьи.",
    },
    "exported_on": {"kk": "Құжат TreatyQA-да жасалды", "ru": "Документ подготовлен в TreatyQA"},
    "question_heading": {"kk": "Сұрақ", "ru": "Вопрос"},
    "feedback_helpful": {"kk": "✓ Пайдалы", "ru": "✓ Полезно"},
    "feedback_wrong": {"kk": "⚠ Дәйексөз қате", "ru": "⚠ Неверная ссылка"},
    "feedback_thanks": {
        "kk": "Рахмет! Пікіріңіз сақталды.",
        "ru": "Спасибо! Отзыв сохранён.",
    },
    "feedback_nothing": {
        "kk": "Әзірге бағалайтын жауап жоқ: алдымен сұрақ қойыңыз.",
        "ru": "Пока нечего оценивать: сначала задайте вопрос.",
    },
    "feedback_failed": {
        "kk": "Пікірді сақтау мүмкін болмады: {error}",
        "ru": "Не удалось сохранить отзыв: {error}",
    },
    "browse_heading": {"kk": "Келісімді баптар бойынша қарау", "ru": "Соглашение по статьям"},
    "browse_label": {"kk": "Бап", "ru": "Статья"},
    "preamble": {"kk": "Кіріспе", "ru": "Преамбула"},
    # answer rendering
    "answer_heading": {"kk": "Жауап", "ru": "Ответ"},
    "further_hits": {"kk": "Басқа сәйкес тармақтар", "ru": "Другие подходящие пункты"},
    "nearest_hits": {
        "kk": "Ең жақын тармақтар (сұраққа жауап бермейді)",
        "ru": "Ближайшие пункты (на вопрос не отвечают)",
    },
    "abstained": {
        "kk": "Келісімде бұл сұраққа жауап жоқ. Сұрақты басқаша тұжырымдап көріңіз "
        "немесе Келісімді баптар бойынша қараңыз.",
        "ru": "В Соглашении нет ответа на этот вопрос. Попробуйте сформулировать его иначе "
        "или просмотрите Соглашение по статьям.",
    },
    "open_article": {"kk": "{label} толық мәтіні", "ru": "Полный текст: {label}"},
    "lang_kk": {"kk": "Қазақша мәтін", "ru": "Казахский текст"},
    "lang_ru": {"kk": "Орысша мәтін", "ru": "Русский текст"},
    "status_authentic": {"kk": "түпнұсқа", "ru": "аутентичный текст"},
    "status_working_translation": {
        "kk": "жұмыс аудармасы, ресми емес",
        "ru": "рабочий перевод, неофициальный",
    },
    "provenance_note": {
        "kk": "Қазақша мәтін — Келісімнің түпнұсқа мәтіні. Орысша мәтін — TreatyQA жобасының "
        "ресми емес жұмыс аудармасы (ресми орысша мәтін бұл жерде жоқ).",
        "ru": "Казахский текст — аутентичный текст Соглашения. Русский текст — неофициальный "
        "рабочий перевод проекта TreatyQA (официального русского текста здесь нет).",
    },
    "both_authentic_note": {
        "kk": "Қазақша және орысша мәтіндердің күші бірдей.",
        "ru": "Тексты на казахском и русском языках имеют одинаковую силу.",
    },
    "question_language": {"kk": "Сұрақ тілі", "ru": "Язык вопроса"},
    "language_name_kk": {"kk": "қазақша", "ru": "казахский"},
    "language_name_ru": {"kk": "орысша", "ru": "русский"},
    "best_match": {"kk": "ең сәйкес бөлігі белгіленген", "ru": "наиболее подходящая часть выделена"},
    "you": {"kk": "Сіз", "ru": "Вы"},
    # errors
    "error_internal": {
        "kk": "Ішкі қате орын алды, жауап берілмеді. Қайталап көріңіз; қате қайталанса, "
        "әкімшіге хабарлаңыз.",
        "ru": "Произошла внутренняя ошибка, ответ не получен. Повторите попытку; если ошибка "
        "повторится, сообщите администратору.",
    },
    # Gradio draws these itself (English in its page); the page's script puts them into the interface language
    "gradio_api": {"kk": "API арқылы пайдалану", "ru": "Использовать через API"},
    "gradio_loading": {"kk": "Жүктелуде…", "ru": "Загрузка…"},
    "gradio_error": {"kk": "Қате", "ru": "Ошибка"},
    "gradio_close": {"kk": "Жабу", "ru": "Закрыть"},
    "gradio_more_tabs": {"kk": "Басқа қойындылар", "ru": "Другие вкладки"},
    "gradio_footer": {"kk": "Беттің төменгі сілтемелері", "ru": "Ссылки внизу страницы"},
    "error_busy": {
        "kk": "Сервер бос емес, сұрақты сәлден соң қайталаңыз.",
        "ru": "Сервер занят, повторите вопрос чуть позже.",
    },
    # the starting page (treatyqa.web.starting), shown until the chat is ready
    "starting_title": {"kk": "TreatyQA іске қосылуда", "ru": "TreatyQA запускается"},
    "starting_stage_starting": {"kk": "Іске қосылуда…", "ru": "Запуск…"},
    "starting_stage_loading": {
        "kk": "Іске қосылуда: индекс пен модель жүктелуде…",
        "ru": "Запуск: загрузка индекса и модели…",
    },
    "starting_stage_index": {
        "kk": "Іске қосылуда: индекс құрылуда (өңделген құжаттар: {total} ішінен {done})…",
        "ru": "Запуск: построение индекса (обработано документов: {done} из {total})…",
    },
    "starting_stage_model": {
        "kk": "Іске қосылуда: іздеу моделі дайындалуда (өңделген бөліктер: {total} ішінен {done})…",
        "ru": "Запуск: подготовка модели поиска (обработано фрагментов: {done} из {total})…",
    },
    "starting_eta": {"kk": "Шамамен {time} қалды.", "ru": "Осталось примерно {time}."},
    "starting_refresh": {
        "kk": "Бет бірнеше секунд сайын автоматты түрде жаңартылады; қолданба дайын болғанда осы мекенжай бойынша ашылады.",
        "ru": "Страница автоматически обновляется каждые несколько секунд; когда приложение будет готово, "
        "оно откроется по этому адресу.",
    },
    "starting_first_run": {
        "kk": "Алғашқы іске қосу бірнеше минутқа созылуы мүмкін.",
        "ru": "Первый запуск может занять несколько минут.",
    },
}

# Example questions, written for the interface (not taken from the evaluation gold sets).
class Example(NamedTuple):
    lang: str
    question: str
    clauses: tuple[str, ...]  # the citation keys the answer may start with (a test asks every example)


EXAMPLES: list[Example] = [
    Example("kk", "Көмек көрсету туралы сұрау салуда қандай мәліметтер көрсетілуі керек?", ("5.3",)),
    Example("ru", "Какие сведения должен содержать запрос об оказании содействия?", ("5.3",)),
    Example("kk", "Тараптар ынтымақтастықта қай тілді пайдаланады?", ("10",)),
    Example("ru", "Кто несёт расходы по исполнению запроса?", ("9",)),
    Example("kk", "Келісім қашан күшіне енеді?", ("15.1",)),
    Example("ru", "В каких случаях можно отказать в оказании содействия?", ("6.1", "6.2")),
]


def normalise_lang(lang: str | None, default: str = DEFAULT_UI_LANGUAGE) -> str:
    """``kk``/``ru`` (also ``kk-KZ``, ``ru_RU``, ``KK``); anything else becomes ``default``."""
    if not lang:
        return default
    code = str(lang).strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in UI_LANGUAGES else default


def t(key: str, lang: str | None, **fields: object) -> str:
    """The string ``key`` in ``lang`` (Kazakh if unknown), with ``{fields}`` filled in."""
    entry = STRINGS[key]
    text = entry.get(normalise_lang(lang), entry[DEFAULT_UI_LANGUAGE])
    return text.format(**fields) if fields else text


def language_from_accept(header: str | None) -> str:
    """The interface language a browser asks for in ``Accept-Language`` (Kazakh by default)."""
    if not header:
        return DEFAULT_UI_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        code, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, code.strip()))
    for _, _, code in sorted(ranked):
        lang = normalise_lang(code, default="")
        if lang:
            return lang
    return DEFAULT_UI_LANGUAGE


def message_language(question: object, lang: str | None = None) -> str:
    """The language for an error about ``question``: ``lang`` if given, else detected, else en."""
    if lang in LANGUAGES:
        return lang
    if isinstance(question, str) and question.strip():
        try:
            from treatyqa.language import detect_language

            detected = detect_language(question[:2000]).lang
        except Exception:  # detection is a nicety here, never a failure
            return "en"
        if detected in LANGUAGES:
            return detected
    return "en"


__all__ = [
    "DEFAULT_UI_LANGUAGE",
    "EXAMPLES",
    "LANGUAGE_CHOICES",
    "STRINGS",
    "UI_LANGUAGES",
    "language_from_accept",
    "message_language",
    "normalise_lang",
    "t",
]
