"""Every marked string has a Simplified Chinese translation, and the compiled catalogue is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "booking" / "translations" / "zh" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _marked_strings() -> dict[str, str]:
    """Every msgid marked in the code and templates, with where it was found."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _catalogue(path: Path):
    with open(path, "rb") as source:
        return read_po(source) if path.suffix == ".po" else read_mo(source)


def test_every_marked_string_has_a_chinese_translation():
    catalogue = _catalogue(CATALOGUE / "messages.po")
    missing = []
    for msgid, where in _marked_strings().items():
        entry = catalogue.get(msgid)
        translated = entry is not None and not entry.fuzzy and (
            all(entry.string) if isinstance(entry.string, tuple) else entry.string)
        if not translated:
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated (run `make translations`):\n" + "\n".join(missing)


def _entries(path: Path) -> dict:
    """msgid -> msgstr, with plural entries as tuples whichever reader produced them."""
    def key(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value
    return {key(m.id): key(m.string) for m in _catalogue(path)
            if m.id and m.string and not getattr(m, "fuzzy", False)}


def test_compiled_catalogue_matches_its_source():
    source = _entries(CATALOGUE / "messages.po")
    compiled = _entries(CATALOGUE / "messages.mo")
    assert compiled == source, "messages.mo is out of date: run `make translations`"


def test_chinese_is_served_when_the_browser_asks(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "登录".encode() in page.data
    assert b"Sign in" in client.get("/login", headers={"Accept-Language": "en"}).data
