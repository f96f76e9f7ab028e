"""The socket `knowhow serve` listens on: its connections send small responses at once (TCP_NODELAY)."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

from web.cli import _listen


def test_connections_of_the_listening_socket_have_nagle_off():
    """asyncio sets TCP_NODELAY only on sockets whose protocol says TCP; without it a response written in two
    parts waited for the client's delayed acknowledgement (40 ms on every request)."""
    listening = _listen("127.0.0.1", 0)
    port = listening.getsockname()[1]

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Record(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Record, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                return await asyncio.wait_for(accepted, 10)
            finally:
                writer.close()

    # On a thread of its own: a browser test in this process may have left an event loop running on this one.
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(asyncio.run, accept_one()).result() != 0
