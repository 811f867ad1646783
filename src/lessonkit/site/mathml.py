"""An allow-list sanitiser for the MathML that latex2mathml makes from lesson maths.

latex2mathml copies parts of its input into its output unchecked: ``\\unicode{<script>...}``
becomes a raw ``<script>``, ``\\href{javascript:...}{x}`` an ``href`` attribute and
``\\style{...}`` a ``style`` attribute.  Maths is not raw HTML (an author who wants raw HTML
writes it as HTML, see docs/security.md), so the MathML is parsed as XML and written out
again keeping only MathML elements and presentation attributes from the lists below; all
text is escaped.  MathML that does not parse is refused (the caller shows the LaTeX source).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac", "msqrt",
    "mroot", "mstyle", "mpadded", "mphantom", "menclose", "merror", "mover", "munder", "munderover", "mtable",
    "mtr", "mtd", "mlabeledtr", "mmultiscripts", "mprescripts", "none", "semantics", "annotation", "mfenced",
    "maligngroup", "malignmark",
})
ATTRIBUTES = frozenset({
    "display", "mathvariant", "mathcolor", "mathbackground", "mathsize", "stretchy", "fence", "separator",
    "lspace", "rspace", "minsize", "maxsize", "largeop", "movablelimits", "accent", "accentunder",
    "linethickness", "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
    "frame", "framespacing", "notation", "width", "height", "depth", "voffset", "scriptlevel", "displaystyle",
    "open", "close", "separators", "align", "form", "symmetric", "columnspan", "rowspan", "encoding",
    "equalrows", "equalcolumns", "side", "bevelled", "numalign", "denomalign", "class",
})
#: Attribute values that could be a URL or a script in some browser are dropped.
_DANGEROUS_VALUE = re.compile(r"[<>]|javascript:|vbscript:|data:|url\(|expression\(", re.I)


class UnsafeMathML(ValueError):
    pass


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _write(element: ET.Element, out: list[str], root: bool) -> None:
    namespace, name = _local(element.tag)
    if namespace not in ("", MATHML_NS) or name not in ELEMENTS:
        raise UnsafeMathML(f"element <{name}> is not MathML")
    attributes = []
    if root:
        attributes.append(f' xmlns="{MATHML_NS}"')
    for key, value in element.attrib.items():
        attr_namespace, attr = _local(key)
        if attr_namespace or attr not in ATTRIBUTES or _DANGEROUS_VALUE.search(value):
            continue  # href, style, on*, xlink:href, ...
        attributes.append(f' {attr}="{escape(value)}"')
    out.append(f"<{name}{''.join(attributes)}>")
    if element.text:
        out.append(escape(element.text, quote=False))
    for child in element:
        _write(child, out, False)
        if child.tail:
            out.append(escape(child.tail, quote=False))
    out.append(f"</{name}>")


def sanitise_mathml(mathml: str) -> str:
    """MathML with only allowed elements and attributes; raises UnsafeMathML otherwise."""
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError as exc:
        raise UnsafeMathML(f"not well-formed MathML: {exc}") from None
    if _local(root.tag)[1] != "math":
        raise UnsafeMathML("not a <math> element")
    out: list[str] = []
    _write(root, out, True)
    return "".join(out)
