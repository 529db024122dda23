"""Where Settings → Quarantine and ``rapport quarantine`` look: each channel's raw inbound
store, by name. A later channel with a raw store adds its source here (see
``core/quarantine.py`` for what a source offers); core finds this table through the
``QUARANTINE_SOURCES`` setting, as it finds ``events.SUBSCRIBERS``."""

SOURCES: dict[str, str] = {
    "email": "rapport.inboxes.adapters.email.quarantine.EmailQuarantine",
    "webhook": "rapport.inboxes.quarantine.WebhookQuarantine",
}
