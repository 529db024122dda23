"""Demo data: a small online shop's help desk, three months deep.

``load_demo()`` fills an empty database with inboxes, staff, customers and conversations
that look like real work, so a new user sees Rapport as it is used rather than empty.
Everything is generated from a seeded ``random.Random``: two loads give the same data
(relative to the moment of loading). The texts are written for Rapport, not borrowed.
"""

from rapport.demo.loader import DEMO_PASSWORD, DemoSummary, load_demo, reset_data

__all__ = ["DEMO_PASSWORD", "DemoSummary", "load_demo", "reset_data"]
