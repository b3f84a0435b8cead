#!/usr/bin/env python3
"""A hostile Alpaca-shaped server on 127.0.0.1, for measuring what the
`stonks` process holds when a broker answers far more than it was asked.

    server.py rows N   GET /v2/account/activities answers one page of N rows
                       (whatever page_size asked), streamed in chunks
    server.py bytes N  GET /v2/account/activities answers N bytes of a JSON
                       list, streamed without a Content-Length

`/v2/account` and `/v2/positions` answer as a healthy account. The port is
printed on the first line of stdout. Standard library only.
"""

import http.server
import json
import sys

MODE, N = sys.argv[1], int(sys.argv[2])
ACCOUNT = json.dumps(
    {"account_number": "PA3HOSTILE01", "currency": "USD", "cash": "1000.00"}
).encode()
ROW = (
    '{"id":"20240102000000000::%08d-0000-4000-8000-000000000000",'
    '"activity_type":"CSD","date":"2024-01-02","net_amount":"100.00",'
    '"description":"deposit"}'
)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_small(self, body):
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/v2/account":
            return self.send_small(ACCOUNT)
        if path == "/v2/positions":
            return self.send_small(b"[]")
        if path != "/v2/account/activities":
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            if MODE == "rows":
                self.chunk(b"[")
                batch = []
                for i in range(N):
                    batch.append((ROW % i) + ("," if i + 1 < N else ""))
                    if len(batch) == 10000:
                        self.chunk("".join(batch).encode())
                        batch = []
                if batch:
                    self.chunk("".join(batch).encode())
                self.chunk(b"]")
            else:
                sent, row = 1, (ROW % 0 + ",").encode()
                self.chunk(b"[")
                block = row * (1 << 20 // len(row))
                while sent + len(block) < N:
                    self.chunk(block)
                    sent += len(block)
                self.chunk((ROW % 1 + "]").encode())
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what we want to see


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
