"""A job worker (``rapport worker``) sends its jobs' pushes from one event loop of its own
(``realtime.layer.start_own_loop``), in order, instead of a new loop per push."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from channels.layers import get_channel_layer

from rapport.realtime import layer as realtime_layer


def test_a_workers_pushes_go_out_from_its_own_loop_in_order():
    channel_layer = get_channel_layer()
    assert channel_layer is not None
    realtime_layer.start_own_loop()
    loop = realtime_layer._server_loop
    assert loop is not None
    assert loop.is_running()

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(10)

    channel = on_loop(channel_layer.new_channel())
    on_loop(channel_layer.group_add("inbox-7", channel))
    for n in range(3):  # from this (job) thread, as subscribers send
        realtime_layer.send_each([(["inbox-7"], {"type": "message", "n": n})])

    received: list[int] = []
    while len(received) < 3:
        envelope = on_loop(channel_layer.receive(channel))
        received += [push["data"]["n"] for push in envelope["pushes"]]
    assert received == [0, 1, 2]
    assert loop is realtime_layer._own_loop
    assert threading.current_thread().name != "push-sender"
    realtime_layer.start_own_loop()  # a second call keeps the one loop
    assert realtime_layer._server_loop is loop
