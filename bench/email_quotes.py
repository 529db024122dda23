"""Quote-stripping accuracy on the talon and email-reply-parser fixtures (../shared/data).

Expected outputs: talon's own (``*_reply_text`` files, else "Hello" for standard replies;
"Hi. I am fine. Thanks, Alex" for the HTML replies — as in talon's tests); for the
email-reply-parser bodies, the upstream test assertions plus, for bodies its tests do not
cover, what a reader sees as new text (must-contain / must-not-contain pairs below).
A case counts as correct when the new text matches; Rapport also splits off signatures, so
talon's expected text may equal new text + split-off signature.

Run: ``.venv/bin/python bench/email_quotes.py``
"""

from __future__ import annotations

import email
import os
import re
import sys
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data"
TALON = DATA / "talon-email-fixtures"
ERP = DATA / "email-reply-parser-fixtures"
HTML_EXPECTED = "Hi. I am fine.\n\nThanks,\nAlex"

# (must contain, must not contain) in the new text of each email-reply-parser body.
ERP_EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "correct_sig": (["this is an email with a correct -- signature."], ["rick"]),
    "email_1_1": (["Hi folks", "Java HTTP API"], ["riak-users mailing list"]),
    "email_1_2": (
        ["Hi,", "You can list the keys for the bucket"],
        ["What is the best way", "riak-users mailing list"],
    ),
    "email_1_3": (
        ["Oh thanks.", "Having the function would be great."],
        ["Russell Brown wrote", "Something like"],
    ),
    "email_1_4": (["Awesome! I haven't had another problem with it."], ["Loader"]),
    "email_1_5": (
        [
            "One: Here's what I've got.",
            "This is the fourth bullet point",
            "Here is another bullet point",
            "This is a paragraph",
        ],
        [],
    ),
    "email_1_6": (
        ["I get proper rendering as well."],
        ["Was this caching related", "Corey Donohoe"],
    ),
    "email_1_7": ([":+1:"], ["Steps 0-2", "Chris Wanstrath"]),
    "email_1_8": (
        ["I will reply under this one", "and under this."],
        ["okay.  Well, here's some stuff"],
    ),
    "email_2_1": (["Outlook with a reply"], ["Google Apps Sync", "-----"]),
    "email_2_2": (
        ["Outlook with a reply directly above line"],
        ["CRM Comments", "I am replying to a comment", "____"],
    ),
    "email_2_3": (
        ["Outlook with a reply above headers using unusual format"],
        ["Kim via Site", "Respond to Kim"],
    ),
    "email_BlackBerry": (["Here is another email"], ["Sent from my BlackBerry"]),
    "email_bullets": (
        ["test 2 this should list second", "how about bullets", "and another"],
        ["Give us an example"],
    ),
    "email_gmail": (
        ["This is a test for inbox replying to a github message."],
        ["Steven Scott", "That way people"],
    ),
    "email_headers_no_delimiter": (
        ["And another reply!"],
        ["Dan Watson", "A reply", "This is a message."],
    ),
    "email_iPhone": (["Here is another email"], ["Sent from my iPhone"]),
    "email_multi_word_sent_from_my_mobile_device": (
        ["Here is another email"],
        ["Sent from my Verizon Wireless BlackBerry"],
    ),
    "email_one_is_not_on": (
        ["One outstanding question I had:", "Locally (on development), when I run..."],
        ["Dave Tapley wrote", "much better query"],
    ),
    "email_partial_quote_header": (
        ["telnet 127.0.0.1 52698", "the tunnel is not working."],
        ["George Plymale wrote", "odd issue"],
    ),
    "email_sent_from_my_not_signature": (
        ["Sent from my desk, is much easier then my mobile phone."],
        [],
    ),
    "email_sig_delimiter_in_middle_of_line": (
        ["And here is a fix -- this is not a signature.", "kthxbai"],
        [],
    ),
    "greedy_on": (
        ["On your remote host you can run:", "the tunnel is not working."],
        ["George Plymale wrote", "odd issue"],
    ),
    "pathological": (
        ["I think you're onto something."],
        ["John Sullivan", "shortening the reference"],
    ),
}


def _flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def _talon_plain() -> list[tuple[str, bool]]:
    from rapport.inboxes.adapters.email.quotes import split_reply

    results = []
    for path in sorted((TALON / "standard_replies").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        expected_file = path.with_name(path.stem + "_reply_text")
        expected = expected_file.read_text().strip() if expected_file.exists() else "Hello"
        split = split_reply(text)
        ok = _flat(split.new) == _flat(expected) or _flat(split.new + split.signature) == _flat(
            expected
        )
        results.append((f"talon/standard_replies/{path.name}", ok))
    return results


def _talon_html() -> list[tuple[str, bool]]:
    from rapport.inboxes.adapters.email.parse import html_to_text
    from rapport.inboxes.adapters.email.quotes import split_html, split_reply

    cases = [(p, HTML_EXPECTED) for p in sorted((TALON / "html_replies").glob("*.html"))]
    cases += [
        (TALON / "reply-separated-by-hr.html", "Hi there"),
        (TALON / "OLK_SRC_BODY_SECTION.html", "Reply"),
    ]
    results = []
    for path, expected in cases:
        split = split_reply(html_to_text(split_html(path.read_text(encoding="utf-8"))))
        results.append((f"talon/{path.relative_to(TALON)}", _flat(split.new) == _flat(expected)))
    return results


def _talon_share_block() -> list[tuple[str, bool]]:
    from rapport.inboxes.adapters.email.parse import parse_email
    from rapport.inboxes.adapters.email.quotes import split_reply

    parsed = parse_email((TALON / "reply-quotations-share-block.eml").read_bytes())
    new = split_reply(parsed.text).new
    return [("talon/reply-quotations-share-block.eml", bool(new) and "From" not in new)]


def _erp() -> list[tuple[str, bool]]:
    from rapport.inboxes.adapters.email.quotes import split_reply

    results = []
    for name, (must, must_not) in ERP_EXPECTED.items():
        new = split_reply((ERP / f"{name}.txt").read_text(encoding="utf-8", errors="replace")).new
        ok = all(part in new for part in must) and not any(part in new for part in must_not)
        results.append((f"email-reply-parser/{name}.txt", ok))
    return results


def measure() -> dict[str, list[tuple[str, bool]]]:
    return {
        "talon plain-text replies": _talon_plain(),
        "talon HTML replies": _talon_html() + _talon_share_block(),
        "email-reply-parser bodies": _erp(),
    }


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.test_settings")
    import django

    django.setup()
    total = correct = 0
    for label, results in measure().items():
        good = sum(ok for _, ok in results)
        total, correct = total + len(results), correct + good
        print(f"{label}: {good}/{len(results)}")
        for name, ok in results:
            if not ok:
                print(f"  wrong: {name}")
    print(f"all: {correct}/{total} = {100 * correct / total:.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
