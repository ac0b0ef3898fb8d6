"""Making untrusted text safe to print and to write into XML and JSON.

Everything imscheck prints or writes can carry text from the repository it
checks: YAML values, file names, JSON pointers. A hostile repository can put
terminal control sequences there (to erase lines and forge a verdict), bidi
controls (to make text read differently than it is), and characters that
XML 1.0 forbids (to make a JUnit report unparseable). The functions here
turn each such character into a visible escape (``\\x1b``, ``\\u202e``), never
delete it silently: a reader sees that something odd was there.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# C0 controls, DEL, C1 controls; bidi embeddings, overrides, isolates and marks;
# lone surrogates (they cannot be encoded, so writing them would fail).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_TERMINAL_FIELD = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}\\ud800-\\udfff]")
_TERMINAL_LINES = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}\\ud800-\\udfff]")  # keeps tab and newline
# XML 1.0 forbids C0 other than tab, newline and carriage return (escaped too: parsers
# would turn it into a newline), U+FFFE, U+FFFF and
# surrogates; DEL, C1 and bidi controls are allowed but escaped too, as on a terminal.
_XML = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}\\ud800-\\udfff\\ufffe\\uffff]")
# imscheck's own colours (reports/console.py) are the only escape sequences let through.
_OWN_STYLE = re.compile(r"\x1b\[(?:0|1|2|31|32|33)m")


def noun(count: int, word: str, many: str | None = None) -> str:
    """The word for ``count`` of it: 'finding' for one, 'findings' (or ``many``) otherwise."""
    return word if count == 1 else (many or word + "s")


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 finding', '1,975 findings': every count imscheck words goes through here."""
    return f"{count:,} {noun(count, word, many)}"


def visible(char: str) -> str:
    """One character as a visible escape: ``\\x1b``, ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escape(match: re.Match[str]) -> str:
    return visible(match.group())


def terminal_safe(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character escaped, ready for a terminal.

    A field (a name, a message) keeps nothing that could move the cursor or
    start a new line; with ``lines=True`` (a whole block of output) tabs and
    newlines stay.
    """
    pattern = _TERMINAL_LINES if lines else _TERMINAL_FIELD
    return pattern.sub(_escape, text) if pattern.search(text) else text


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids, and every terminal control, escaped."""
    return _XML.sub(_escape, text) if _XML.search(text) else text


def json_safe(document: str) -> str:
    """JSON text with DEL, C1, bidi controls and lone surrogates as ``\\uXXXX`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` already escapes C0; these are the
    rest. The escapes are JSON's own, so the data read back is unchanged.
    """
    if document.isascii() and "\x7f" not in document:
        return document  # JSON escapes C0 itself: DEL is the only ASCII character left to escape
    return _XML.sub(lambda m: "".join(f"\\u{unit:04x}" for unit in _utf16(m.group())), document)


def _utf16(char: str) -> list[int]:
    code = ord(char)
    if code < 0x10000:
        return [code]
    code -= 0x10000
    return [0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)]


class SafeStream:
    """A text stream that escapes control characters in everything written to it.

    The command line writes through it, so no text from a repository reaches
    the terminal raw, whichever code path prints it. imscheck's own colour
    codes are kept; any other escape sequence is shown, not obeyed.
    """

    def __init__(self, stream: TextIO):
        self._stream = stream

    @property
    def raw(self) -> TextIO:
        """The stream underneath, for imscheck's own cursor control (the progress line), which quotes no input."""
        return self._stream

    def write(self, text: str) -> int:
        if _TERMINAL_LINES.search(text):
            pieces = _OWN_STYLE.split(text)
            styles = _OWN_STYLE.findall(text)
            text = "".join(terminal_safe(piece, lines=True) + (styles[i] if i < len(styles) else "")
                           for i, piece in enumerate(pieces))
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
