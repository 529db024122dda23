"""Websocket consumers: thin — authenticate, subscribe, and hand writes to actions."""
