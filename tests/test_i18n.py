"""The catalogues: compiled in step with their sources, one language policy, locale formats."""

from __future__ import annotations

import datetime as dt

import pytest

from cfeval import i18n
from cfeval.errors import UsageError


def _messages(mo) -> dict:
    import gettext

    with open(mo, "rb") as fh:
        catalogue = gettext.GNUTranslations(fh)._catalog
    return {k: v for k, v in catalogue.items() if k != ""}  # the header names Babel's version


def test_compiled_catalogues_match_their_sources(tmp_path):
    import shutil

    copy = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, copy)
    compiled = i18n.compile_catalogues(copy)
    assert compiled, "no catalogue found"
    for mo in compiled:
        shipped = i18n.LOCALE_DIR / mo.relative_to(copy)
        assert _messages(mo) == _messages(shipped), f"run `python -m cfeval.i18n`: {shipped}"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({}, "en"),
        ({"CFEVAL_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
    ],
)
def test_language_comes_from_the_environment(monkeypatch, env, expected):
    for var in ("CFEVAL_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert i18n.resolve_lang(None) == expected


def test_explicit_language_wins_and_unknown_is_refused():
    assert i18n.resolve_lang("zh-CN") == "zh"
    assert i18n.resolve_lang("EN") == "en"
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        i18n.resolve_lang("fr")


def test_interval_level_follows_the_number_not_a_typed_95():
    zh, en = i18n.words("zh"), i18n.words("en")
    assert zh("{level} interval", level=zh.percent(0.9)) == "90% 置信区间"
    assert en("{level} interval", level=en.percent(0.9)) == "90% interval"
    assert en.percent(0.975, 1) == "97.5%"


def test_numbers_and_dates_in_the_locale():
    zh, en = i18n.words("zh"), i18n.words("en")
    assert zh.number(71.449, 1) == "71.4" and en.number(5, 1) == "5.0"
    assert zh.date(dt.date(2024, 6, 1)) == "2024年6月1日"
    assert en.date(dt.date(2024, 6, 1)) == "1 June 2024"
    assert zh.label({"zh": "儿童", "en": "Children"}) == "儿童"
    assert en.label({"zh": "儿童"}) == "儿童"


def test_one_word_for_one_thing_across_areas():
    """A message id that two areas' catalogues share has the same translation in both."""
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in i18n.catalogue_files("zh", ".po"):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="zh"):
                if not message.id:
                    continue
                # msgctxt tells apart one English word with two meanings (w.p(context, id))
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                key = (message.context, msgid) if message.context else msgid
                text = message.string if isinstance(message.string, str) else message.string[0]
                if key in seen and seen[key][1] != text:
                    clashes.append(
                        f"{key!r}: {seen[key][0]} says {seen[key][1]!r}, {po.name} {text!r}"
                    )
                seen.setdefault(key, (po.name, text))
    assert not clashes, "\n".join(clashes)


def test_every_catalogue_entry_is_translated():
    from babel.messages.pofile import read_po

    empty = []
    for po in i18n.catalogue_files("zh", ".po"):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="zh"):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and (not all(strings) or message.fuzzy):
                    empty.append(f"{po.name}: {message.id!r}")
    assert not empty, "untranslated or fuzzy:\n" + "\n".join(empty)
