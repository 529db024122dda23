"""Making HTML that came from outside safe to show, in time linear in its length.

``nh3`` (html5ever) is strict but costs time quadratic in the nesting depth: 100,000
nested ``<div>`` took 40 s, and past ~250 levels parts of the text were lost. Mail
from outside may be built that way on purpose, so every input first goes through
``flatten``: one pass over the markup (``markup.py``) that keeps all text but drops the
tags nested deeper than ``MAX_DEPTH``. What nh3 then sees is shallow, and it runs in
linear time.
"""

from __future__ import annotations

import nh3

from rapport.core.markup import flatten

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"alt", "title", "width", "height", "src"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def sanitize_html(html: str) -> str:
    """Return ``html`` with scripts, styles, event handlers and unsafe URLs removed.

    Only http(s), mailto and cid URLs survive; links get ``rel="noopener noreferrer nofollow"``.
    """
    return nh3.clean(
        flatten(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )
