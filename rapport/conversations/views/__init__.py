"""The agent web app's conversation pages: the inbox list, one conversation, mentions, files.

Views stay thin: they parse input (``conversations.forms``), fetch through selectors with a
permission check (``access_*``), call an action, and render. Writes happen only in actions.
"""
