"""Names from data files shown as text: escaped for each place they are drawn, never interpreted.

Area, measure, cohort and category names, definitions and service-change labels come from extracts,
boundary files and the catalogues, so a name such as `[click](https://example.org)` or
`<a href="…">` must read as those characters wherever it appears. Each renderer has its own rules:

- `md`: Streamlit markdown (st.markdown, st.title, st.caption, alerts, widget labels, radio
  options, metric labels and help, st.table cells). CommonMark with GFM (links, images, raw HTML,
  autolinked URLs and emails, tables, strikethrough), LaTeX between `$`, directives (`:red[…]`),
  and shortcodes that Streamlit turns into icons, emoji or its logo (`:material/…:`, `:smile:`).
- `html`: an HTML document or attribute (the HTML pack, markdown drawn with unsafe_allow_html).
- `plotly`: plotly's text (titles, axis and tick labels, hover text, legends, annotations), which
  draws a subset of HTML tags (<a>, <b>, <br>, <i>, <span>, …) and decodes `&amp;`, `&lt;`, `&gt;`.
- `mathtext`: matplotlib text, which draws text between two `$` as mathematics.

Each function takes the plain text once: escape a name where it is drawn, not before, so that
`A&E` shows as `A&E` (not `A&amp;E`). Pydeck tooltips given as `{"text": …}` and python-pptx runs
are plain text already and need none of these.
"""
from __future__ import annotations

import html as _html
import re

#: Markdown characters escaped with a backslash: any that can start a construct within a line, `&`
#: before what would be read as a character reference (`&copy;`), and `:` before a non-space, which
#: starts a directive (`:red[…]`) or an autolinked URL (`https://…`).
_ESCAPE = re.compile(r"[\\`*_\[\]<>#|~$@]|&(?=#?[0-9A-Za-z]+;)|:(?=\S)")
#: `www.` starts an autolinked URL (GFM) even without a scheme.
_WWW = re.compile(r"(?i)\b(www)\.")
#: A list marker at the start of the text (`#` and `>` are escaped everywhere already).
_LIST_START = re.compile(r"^([+-]|\d+[.)])(?=\s|$)")
#: Streamlit replaces these in the text itself, after markdown escapes are undone: shortcodes such as
#: `:material/home:`, `:streamlit:` or `:smile:`, and arrows and dashes such as `->`, `>=` and `--`.
_SHORTCODE = re.compile(r":(?=[\w+-][\w+\-/]*:)")
_TYPOGRAPHY = re.compile(r"(?<!\S)([<>~-])(?=[>=-]{1,2}(?!\S))")
#: An invisible word joiner: breaks a shortcode or an arrow without changing what is read.
JOINER = "\u2060"


def md(text) -> str:
    """`text` as Streamlit markdown that shows exactly these characters: on one line (a newline becomes a
    space) and without the spaces around it, which markdown drops (or reads as a code block, four or more)."""
    text = re.sub(r"\r\n?|\n", " ", str(text)).strip()
    text = _TYPOGRAPHY.sub(lambda m: m.group(1) + JOINER, _SHORTCODE.sub(":" + JOINER, text))
    text = _WWW.sub(r"\1\\.", _ESCAPE.sub(lambda m: "\\" + m.group(0), text))
    return _LIST_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], text)


def html(text) -> str:
    """`text` escaped for an HTML document, quotes included (safe inside an attribute)."""
    return _html.escape(str(text), quote=True)


def plotly(text) -> str:
    """`text` for plotly: `&`, `<` and `>` as entities plotly decodes (it does not decode `&quot;`)."""
    return _html.escape(str(text), quote=False)


def mathtext(text) -> str:
    """`text` for matplotlib: a `$` is a dollar sign, not the start of mathematics."""
    return str(text).replace("$", r"\$")
