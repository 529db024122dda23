"""Settings → Inboxes: the channels a business switched on, their settings and members.

Admins only. ``general`` holds the list and what every inbox has; ``channel`` the settings
tab of any channel that has one (its extra pages are the channel's own, in its folder).
Views parse a form and call ``inboxes.actions``.
"""

from rapport.inboxes.views.channel import channel_new, channel_settings
from rapport.inboxes.views.general import inbox_edit, inbox_list, inbox_new

__all__ = ["channel_new", "channel_settings", "inbox_edit", "inbox_list", "inbox_new"]
