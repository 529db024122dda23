"""Sign-in pages and the admin-only settings area (agents, teams, API tokens).

Views parse a form, call an action from ``accounts.actions``, and render; an action's
``RapportError`` is shown on the form with its status code.
"""
