"""present.text: a name from a data file, escaped for where it is drawn, reads back as the same
characters and starts no link, image, tag, directive, formula or shortcode."""
from __future__ import annotations

import html as std_html
import re

import pytest
from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt

from neighbourhood_health.present import text

LINK, IMAGE, ANCHOR = "[click](https://example.org/x)", "![x](https://example.org/i.png)", \
    '<a href="https://example.org">link</a>'
# CommonMark with raw HTML on (so a tag that got through would show), and GFM's tables and strikethrough.
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
PLOTLY_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}  # what plotly decodes (besides numeric references)
# Names: any printable text, markdown and HTML characters weighted in.
NAMES = st.text(st.one_of(st.sampled_from(list("\\`*_[]()<>#|~$@&;:!-+.=/{} \t\nwh1")),
                          st.characters(blacklist_categories=("Cs", "Cc"))), max_size=40)


def shown(markdown: str) -> str:
    """The text a reader sees: markdown rendered, tags dropped, references decoded, white space as HTML shows it."""
    rendered = MARKDOWN.render(markdown)
    return " ".join(std_html.unescape(re.sub(r"<[^>]*>", " ", rendered)).replace(text.JOINER, "").split())


def unescaped(source: str) -> str:
    """Markdown source with every backslash-escaped character set aside: what markdown could still read."""
    return re.sub(r"\\.", "§", source)


def plotly_shown(label: str) -> str:
    """What plotly draws for a label with no tags: its entities decoded as plotly's convertEntities does."""
    return re.sub(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);",
                  lambda m: PLOTLY_ENTITIES.get(m.group(1), m.group(0)) if not m.group(1).startswith("#")
                  else chr(int(m.group(1)[2:], 16) if m.group(1)[1] == "x" else int(m.group(1)[1:])), label)


@settings(max_examples=400, deadline=None)
@given(NAMES)
def test_markdown_shows_the_name_as_it_is(name):
    rendered = MARKDOWN.render(text.md(name))
    assert shown(text.md(name)) == " ".join(name.replace(text.JOINER, "").split())
    assert not re.search(r"<(?!/?p>)", rendered.replace("<p>", "").replace("</p>", "")), rendered  # text only


@settings(max_examples=300, deadline=None)
@given(NAMES)
def test_html_and_plotly_escapes_read_back_once(name):
    assert std_html.unescape(text.html(name)) == name
    assert "<" not in text.html(name) and '"' not in text.html(name)
    assert "<" not in text.plotly(name) and plotly_shown(text.plotly(name)) == name


@pytest.mark.parametrize("name", [LINK, IMAGE, ANCHOR, f"Brent {LINK} {IMAGE} {ANCHOR}"])
def test_links_images_and_tags_are_not_live(name):
    source = text.md(name)
    assert "<a" not in MARKDOWN.render(source) and "<img" not in MARKDOWN.render(source)
    assert not [live for live in ("[click](", "![x](", "<a href") if live in unescaped(source)]
    assert "<a " not in text.html(name) and "<a " not in text.plotly(name)
    assert ("<a href" in name) == ("&lt;a href" in text.html(name)) == ("&lt;a href" in text.plotly(name))


@pytest.mark.parametrize("name, absent", [
    ("https://example.org and www.example.org", ["://", "www."]),   # GFM autolinks
    ("someone@example.org", ["e@e"]),                                # GFM email autolink
    (":red[alert] :blue-background[x]", [":red[", ":blue"]),         # Streamlit directives
    ("$x^2$ and $$y$$", ["$x", "$$"]),                               # LaTeX
    ("~~struck~~ ~one~", ["~~", "~o"]),                              # strikethrough (GFM takes one tilde too)
    ("&copy; &#169; &#xA9;", ["&copy;", "&#169;", "&#x"]),           # character references
])
def test_streamlit_extensions_are_escaped(name, absent):
    source = text.md(name)
    for construct in absent:
        assert construct not in unescaped(source), (construct, source)
    assert shown(source) == name


@pytest.mark.parametrize("name", [":material/home: :streamlit: :smile:", "A -> B <- C <-> D -- E >= 1 <= 2 ~= 3"])
def test_shortcodes_and_arrows_that_streamlit_replaces_in_the_text_are_broken(name):
    """Streamlit turns :material/…:, :streamlit: and emoji codes into icons and `->`, `--` … into
    arrows and dashes after escapes are undone; an invisible word joiner stops it."""
    source = text.md(name)
    assert not re.search(r":(?:material/|material_|streamlit:|smile:)", source.replace("\\", ""))
    assert not re.search(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)", source.replace("\\", ""))
    assert shown(source) == name


@pytest.mark.parametrize("name", ["# Heading", "1. One", "12) Twelve", "- item", "+ item", "> quote", "---", "***",
                                  "    indented", "a\nb\n\n# c", "| a | b |"])
def test_no_block_starts_from_a_name(name):
    rendered = MARKDOWN.render(text.md(name))
    assert re.fullmatch(r"<p>[^<]*</p>\n", rendered), rendered


def test_an_ampersand_is_escaped_once():
    assert text.md("A&E attendances") == "A&E attendances"  # not a character reference: left alone
    assert text.plotly("A&E") == "A&amp;E" and plotly_shown(text.plotly("A&E")) == "A&E"
    assert text.html("A&E") == "A&amp;E" and std_html.unescape(text.html("A&E")) == "A&E"
    assert text.plotly("&amp;") == "&amp;amp;" and plotly_shown(text.plotly("&amp;")) == "&amp;"  # literally


def test_mathtext_dollars_are_dollars():
    assert text.mathtext("Cost $5 to $10") == r"Cost \$5 to \$10"
    assert text.mathtext("no dollars") == "no dollars"
