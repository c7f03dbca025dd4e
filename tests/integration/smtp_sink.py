"""A small SMTP server for the fault tests: it keeps every message it accepts, and can hold
one message before accepting it, so a test can kill the sender at a known point.

A server takes responsibility for a message only with its `250` reply after DATA (RFC 5321
§4.1.1.4); a held message whose client disappears before that reply is not accepted, as a
real mail server would drop it.
"""

import email
import email.policy
import select
import socket
import socketserver
import threading


class SmtpSink:
    def __init__(self):
        self.accepted: list[email.message.Message] = []
        self.hold_at: int | None = None  # the n-th message (from 1) waits before its 250
        self.holding = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._count = 0
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                sink._serve(self)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(message["Subject"]) for message in self.accepted]

    def release(self) -> None:
        self.hold_at = None
        self._release.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def _serve(self, handler) -> None:
        def reply(line: str) -> None:
            handler.wfile.write(line.encode() + b"\r\n")

        reply("220 sink ready")
        while line := handler.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                reply("250-sink")
                reply("250 8BITMIME")
            elif verb == b"DATA":
                reply("354 go ahead")
                raw = b""
                while (chunk := handler.rfile.readline()) not in (b".\r\n", b""):
                    raw += chunk[1:] if chunk.startswith(b"..") else chunk
                if self._accept(handler.connection, raw):
                    reply("250 accepted")
                else:
                    return
            elif verb == b"QUIT":
                reply("221 bye")
                return
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                reply("250 ok")
            else:
                reply("502 not implemented")

    def _accept(self, conn: socket.socket, raw: bytes) -> bool:
        with self._lock:
            self._count += 1
            held = self._count == self.hold_at
        if held:
            self.holding.set()
            self._release.wait(120)
            if _peer_gone(conn):
                return False
        with self._lock:
            self.accepted.append(email.message_from_bytes(raw, policy=email.policy.default))
        return True


def _peer_gone(conn: socket.socket) -> bool:
    readable, _, _ = select.select([conn], [], [], 0)
    if not readable:
        return False
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True
