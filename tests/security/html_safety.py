"""Checks that a piece of rendered HTML cannot run script: parsed with an HTML parser (the way a
browser tokenises it), not searched with regular expressions."""

import re
from html.parser import HTMLParser
from pathlib import Path

from helpcenter import markup

CORPUS = Path(__file__).with_name("xss-payloads.txt")

# Elements that can run script or load active content, whatever the allowlist says.
SCRIPT_CAPABLE = {
    "script", "style", "svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet",
    "img", "image", "video", "audio", "source", "track", "form", "input", "button", "textarea",
    "select", "base", "link", "meta", "body", "html", "head", "template", "noscript", "xml",
    "xss", "isindex", "marquee", "layer", "ilayer", "bgsound", "portal", "picture", "details",
}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "background", "poster", "data",
    "srcdoc", "dynsrc", "lowsrc", "codebase", "cite", "longdesc", "usemap", "ping", "srcset",
}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# Browsers ignore ASCII whitespace and control characters inside a URL scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def load_corpus() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []
        self.declarations: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.declarations.append(decl)

    def unknown_decl(self, data):
        self.declarations.append(data)

    def handle_pi(self, data):
        self.declarations.append(data)


def problems(rendered: str) -> list[str]:
    """Everything in `rendered` that could execute script; empty when it is safe."""
    parser = _Collector()
    parser.feed(str(rendered))
    parser.close()
    found = []
    if parser.comments:
        found.append(f"comment {parser.comments[0]!r}")
    if parser.declarations:
        found.append(f"declaration {parser.declarations[0]!r}")
    for tag, attrs in parser.elements:
        if tag in SCRIPT_CAPABLE:
            found.append(f"element <{tag}>")
        if tag not in markup.ALLOWED_TAGS:
            found.append(f"element <{tag}> is not on the allowlist")
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on"):
                found.append(f"event attribute {name} on <{tag}>")
            if name == "style":
                found.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                # HTMLParser has already decoded character references once, as a browser does.
                scheme = _IGNORED_IN_SCHEME.sub("", value).lower()
                if scheme.startswith(BAD_SCHEMES):
                    found.append(f"{name}={value!r} on <{tag}>")
    return found
