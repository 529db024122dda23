"""Authentication-Results (RFC 8601): what the receiving server concluded about the sender.

Only the header our own receiving server added can be trusted — a sender can write any
Authentication-Results it likes lower down. So with ``authserv_ids`` configured only
headers naming those servers count; otherwise only the topmost header (the last one
added, by the server that handed us the mail) is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapport.inboxes.adapters.email import mime
from rapport.inboxes.adapters.email.parse import ParsedEmail

_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_RANK = {"pass": 5, "fail": 4, "softfail": 3, "neutral": 2, "none": 1}


@dataclass(frozen=True)
class Trust:
    spf: str = ""
    dkim: str = ""
    dmarc: str = ""

    @property
    def dmarc_failed(self) -> bool:
        return self.dmarc == "fail"


def read_trust(parsed: ParsedEmail, authserv_ids: list[str] | tuple[str, ...] = ()) -> Trust:
    """The SPF, DKIM and DMARC verdicts of the trusted Authentication-Results header."""
    headers = mime.header_values(parsed.message, "Authentication-Results")
    if authserv_ids:
        wanted = {server.lower() for server in authserv_ids}
        headers = [h for h in headers if h.split(";", 1)[0].strip().lower() in wanted]
    else:
        headers = headers[:1]
    results: dict[str, str] = {}
    for header in headers:
        for method, verdict in _RESULT.findall(header):
            _keep_best(results, method.lower(), verdict.lower())
    return Trust(
        spf=results.get("spf", ""), dkim=results.get("dkim", ""), dmarc=results.get("dmarc", "")
    )


def _keep_best(results: dict[str, str], method: str, verdict: str) -> None:
    # Several DKIM signatures: one passing signature is enough for DKIM to pass.
    current = results.get(method)
    if current is None or _RANK.get(verdict, 0) > _RANK.get(current, 0) or verdict == "pass":
        results[method] = verdict[:16]
