"""Submit HTML forms as a browser would: collect the fields of the page's main form."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, method: str) -> None:
        super().__init__()
        self.method = method
        self.forms: list[list[list[str]]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == self.method:
            self._in_form = True
            self.forms.append([])
        if not self._in_form:
            return
        fields = self.forms[-1]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.append([a["name"], a.get("value", "on")])
            elif kind not in ("submit", "button"):
                fields.append([a["name"], a.get("value", "")])
        elif tag == "select":
            self._select = a.get("name")
            fields.append([self._select, ""])
            self._first_option = True
        elif tag == "option" and self._select:
            if "selected" in a or self._first_option:
                fields[-1][1] = a.get("value", "")
            self._first_option = False
        elif tag == "textarea":
            self._textarea = [a.get("name", "")]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1].append([self._textarea[0], "".join(self._textarea[1:]).lstrip("\n")])
            self._textarea = None


def main_form(html: str) -> list[list[str]]:
    """The fields of the largest POST form of the page as [name, value] pairs (editable)."""
    parser = _FormParser("post")
    parser.feed(html)
    return [list(pair) for pair in max(parser.forms, key=len)]


def setv(fields: list[list[str]], name: str, value: str) -> None:
    for pair in fields:
        if pair[0] == name:
            pair[1] = value
            return
    fields.append([name, value])


def check(fields: list[list[str]], name: str, values: list[str]) -> None:
    """Tick exactly these checkbox values of a multi-checkbox field."""
    fields[:] = [pair for pair in fields if pair[0] != name] + [[name, v] for v in values]
