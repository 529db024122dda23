"""Settings → Inboxes: the channels a business switched on, their settings and members.

Admins only. ``general`` holds the list and what every inbox has; ``email`` and ``chat``
the settings tab of those channels. Views parse a form and call ``inboxes.actions``.
"""

from rapport.inboxes.views.chat import chat_new, chat_settings, chat_try
from rapport.inboxes.views.email import email_new, email_retry, email_settings, email_test
from rapport.inboxes.views.general import inbox_edit, inbox_list, inbox_new

__all__ = [
    "chat_new",
    "chat_settings",
    "chat_try",
    "email_new",
    "email_retry",
    "email_settings",
    "email_test",
    "inbox_edit",
    "inbox_list",
    "inbox_new",
]
