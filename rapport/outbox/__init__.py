"""The outbox: everything that leaves Rapport is a ``Delivery`` row first.

A layer of its own, below conversations and the channels and above core: it knows rows,
attempts, claims and backoff, and nothing of what a message or a channel is. Channels
register how to send (``senders``); the conversations side registers what a delivery's
outcome means for its message (``changes``).
"""
