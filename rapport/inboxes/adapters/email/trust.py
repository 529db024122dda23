"""Authentication-Results (RFC 8601): what the receiving server concluded about the sender.

Only the header our own receiving server added can be trusted — a sender can write any
Authentication-Results it likes. So with ``authserv_ids`` configured only headers naming
those servers count. Without them (the default) nothing can vouch for the sender: the
topmost header may be the sender's own, so its passes are never shown (the agent sees
"not verified"); only its failures are kept, as a warning (a sender claiming to fail
harms only itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapport.inboxes.adapters.email import mime
from rapport.inboxes.adapters.email.parse import ParsedEmail

_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_RANK = {"pass": 5, "fail": 4, "softfail": 3, "neutral": 2, "none": 1}
_WARNINGS = frozenset({"fail", "softfail"})


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
    if not authserv_ids:  # unverified: a warning may stay, a vouching verdict may not
        results = {method: v for method, v in results.items() if v in _WARNINGS}
    return Trust(
        spf=results.get("spf", ""), dkim=results.get("dkim", ""), dmarc=results.get("dmarc", "")
    )


def _keep_best(results: dict[str, str], method: str, verdict: str) -> None:
    # Several DKIM signatures: one passing signature is enough for DKIM to pass.
    current = results.get(method)
    if current is None or _RANK.get(verdict, 0) > _RANK.get(current, 0) or verdict == "pass":
        results[method] = verdict[:16]
