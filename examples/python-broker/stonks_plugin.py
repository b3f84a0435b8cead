"""Write a stonks broker in Python: the plugin side of stonks-jsonrpc/1.

Pure standard library. A plugin is a dict of handlers, one per method the
host calls, handed to ``run``::

    import stonks_plugin

    def snapshot(params, host):
        answer = host.http("GET", "/v1/positions")
        ...
        return {"as_of": "...", "positions": [...], "cash": [...]}

    stonks_plugin.run({
        "initialize": lambda params, host: None,
        "portfolio.snapshot": snapshot,
        "transactions.page": page,
    })

A middleware plugin hands ``run`` its ``middleware.snapshot`` and
``middleware.page`` handlers instead.

The protocol (docs/plugin-protocol.md in the stonks repository): JSON-RPC
2.0, one message per line on stdin and stdout; stderr is the plugin's log.
A handler answers with the method's result, or raises ``PluginError`` with
one of core's error kinds. ``host.http`` sends a request through the host,
which holds it to the manifest's hosts and rate limit, retries what is safe
to retry, and keeps secrets out of the logs.
"""

import json
import sys

PROTOCOL = "stonks-jsonrpc/1"

KINDS = ("auth", "rate_limited", "temporary", "timeout", "protocol", "config", "unsupported", "plugin")


class PluginError(Exception):
    """An error the host acts on: ``kind`` is one of ``KINDS``."""

    def __init__(self, message, kind="plugin", retry_after_secs=None, endpoint=None, status=None,
                 excerpt=None):
        super().__init__(message)
        self.message = message
        self.kind = kind if kind in KINDS else "plugin"
        self.retry_after_secs = retry_after_secs
        # With "protocol": the broker's endpoint ("GET /v1/positions"), the
        # answer's status and the start of its body (the host redacts it).
        self.endpoint = endpoint
        self.status = status
        self.excerpt = excerpt

    def to_json(self):
        data = {"kind": self.kind}
        for key in ("retry_after_secs", "endpoint", "status", "excerpt"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return {"code": -32000, "message": self.message, "data": data}


def log(*parts):
    """One log line (stderr): the host logs it, redacted."""
    print(*parts, file=sys.stderr, flush=True)


class Host:
    """The host, as a handler sees it: ``http`` and the settings."""

    def __init__(self, channel):
        self._channel = channel
        self.config = {}

    def http(self, method, url, headers=None, body=None):
        """Sends a request through the host; returns ``{status, headers, body}``.

        ``url`` is absolute or a path joined to the plugin's base URL. A
        failure of the host (a host outside the manifest's list, the network)
        raises ``PluginError`` with the host's kind.
        """
        params = {"method": method, "url": url, "headers": headers or {}}
        if body is not None:
            params["body"] = body
        return self._channel.call("host.http", params)


class _Channel:
    """Lines in, lines out; the plugin's own calls wait for their answer."""

    def __init__(self, stdin, stdout):
        self._in = stdin
        self._out = stdout
        self._next = 0
        self._queued = []

    def send(self, message):
        self._out.write(json.dumps(message, separators=(",", ":")) + "\n")
        self._out.flush()

    def receive(self):
        if self._queued:
            return self._queued.pop(0)
        while True:
            line = self._in.readline()
            if not line:
                return None
            if line.strip():
                return json.loads(line)

    def call(self, method, params):
        self._next += 1
        my_id = "p%d" % self._next
        self.send({"jsonrpc": "2.0", "id": my_id, "method": method, "params": params})
        while True:
            line = self._in.readline()
            if not line:
                raise PluginError("the host went away", "temporary")
            if not line.strip():
                continue
            message = json.loads(line)
            if message.get("id") == my_id and "method" not in message:
                if "error" in message:
                    e = message["error"]
                    data = e.get("data") or {}
                    raise PluginError(e.get("message", "host error"), data.get("kind", "plugin"),
                                      data.get("retry_after_secs"), data.get("endpoint"),
                                      data.get("status"), data.get("excerpt"))
                return message.get("result")
            # A call of the host's that came meanwhile: handled after this one.
            self._queued.append(message)


def run(handlers, stdin=None, stdout=None):
    """Answers the host's calls with ``handlers`` until ``shutdown`` or the end of input."""
    channel = _Channel(stdin or sys.stdin, stdout or sys.stdout)
    host = Host(channel)
    while True:
        message = channel.receive()
        if message is None:
            return
        method = message.get("method")
        call_id = message.get("id")
        if method is None or call_id is None:
            continue
        try:
            if method == "initialize":
                params = message.get("params") or {}
                if params.get("protocol") != PROTOCOL:
                    raise PluginError("this plugin speaks %s" % PROTOCOL, "config")
                host.config = params.get("config") or {}
                handler = handlers.get("initialize")
                if handler is not None:
                    handler(params, host)
                result = {"protocol": PROTOCOL}
            elif method == "shutdown":
                channel.send({"jsonrpc": "2.0", "id": call_id, "result": None})
                return
            elif method == "health" and "health" not in handlers:
                result = {"ok": True}
            elif method in handlers:
                result = handlers[method](message.get("params") or {}, host)
            else:
                raise PluginError("no method %r" % method, "unsupported")
            channel.send({"jsonrpc": "2.0", "id": call_id, "result": result})
        except PluginError as e:
            channel.send({"jsonrpc": "2.0", "id": call_id, "error": e.to_json()})
        except Exception as e:  # a bug in the plugin: the call fails, the plugin goes on
            log("error in %s: %s: %s" % (method, type(e).__name__, e))
            error = PluginError("%s: %s" % (type(e).__name__, e), "plugin")
            channel.send({"jsonrpc": "2.0", "id": call_id, "error": error.to_json()})
