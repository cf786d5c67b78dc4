"""Filibuster instrumentation for the Python services of cinema-3-mixed.

This module is a stand-in for the reference Filibuster's Python instrumentation (its
`requests` and Flask hooks), which cannot be installed here. It is written for this
example from docs/protocol.md and the reference's recorded transcripts
(testdata/conformance/), with the Python standard library only, and speaks the
coordinator protocol the way the reference's instrumentation does:

- Client side, get(url, timeout=...) is requests.get: every call asks
  new-test-execution (protocol.md 3.1), merges the incoming vector clock and ticks its
  own service (3.2, 3.3), extends the incoming execution index (3.4), reports the call
  with PUT /filibuster/create as module "requests", method "get" (3.5), injects the
  fault the answer asks for or makes the call with the X-Filibuster-* headers (3.6, 4),
  and reports the outcome with POST /filibuster/update (3.7).
- Server side, Handler is an http.server.BaseHTTPRequestHandler that, for every request,
  takes the request id, clocks and execution index from the headers, reports
  request_received when an execution index came with them, and obeys
  X-Filibuster-Forced-Sleep (3, server side).

The coordinator is FILIBUSTER_URL; the service's name is FILIBUSTER_SERVICE_NAME, or
the name given to serve. Without FILIBUSTER_URL, or when the coordinator cannot be
reached, calls go ahead uninstrumented. Calls to the coordinator are never instrumented.

Three choices of this stand-in are its own: an execution-index key is the MD5 of the
call site ("file:line" and function), the module, the method and the JSON of the URL
without its host, and full_traceback is the MD5 of that call site; counts are kept per
request id and incoming execution index, as the Go runtime keeps them (protocol.md 3.4
says where that differs from the reference; not for cinema-3, where no called service
repeats a call); and callsite_file and callsite_line are the file (relative to the
example's directory) and the line, as protocol.md 3.5 describes them, where the
reference's transcripts show "file:line" and "1". The coordinator only compares these
values, so none of them changes an exploration.
"""

import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

__all__ = [
    "RequestException",
    "ConnectionError",
    "Timeout",
    "Response",
    "Handler",
    "get",
    "serve",
]

MODULE = "requests"

# Headers propagated between instrumented services (protocol.md 2).
H_GENERATED_ID = "X-Filibuster-Generated-Id"
H_VCLOCK = "X-Filibuster-VClock"
H_ORIGIN_VCLOCK = "X-Filibuster-Origin-VClock"
H_EXECUTION_INDEX = "X-Filibuster-Execution-Index"
H_REQUEST_ID = "X-Filibuster-Request-Id"
H_FORCED_SLEEP = "X-Filibuster-Forced-Sleep"

# How long a call to the coordinator may take, in seconds.
COORDINATOR_TIMEOUT = 5

# The digest of an empty body.
EMPTY_DIGEST = hashlib.md5(b"").hexdigest()

_HERE = os.path.dirname(os.path.abspath(__file__))
_APP_DIR = os.path.dirname(_HERE)

# urllib follows http_proxy for 127.0.0.1 too; the services and the coordinator are
# always reached directly.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class RequestException(OSError):
    """A call failed; name is the fault's name as reported to the coordinator."""

    name = "requests.exceptions.RequestException"


class ConnectionError(RequestException):  # noqa: A001 (requests' name)
    """The connection failed (requests.exceptions.ConnectionError)."""

    name = "requests.exceptions.ConnectionError"


class Timeout(RequestException):
    """The call's timeout expired (requests.exceptions.Timeout)."""

    name = "requests.exceptions.Timeout"


# Fault names the coordinator may ask for, and the exception each raises. Go's names
# are accepted too, as the Go runtime accepts the reference's.
_FAULTS = {
    "requests.exceptions.ConnectionError": ConnectionError,
    "syscall.ECONNREFUSED": ConnectionError,
    "requests.exceptions.Timeout": Timeout,
    "context.DeadlineExceeded": Timeout,
}


class Response:
    """The answer to a call, with the attributes of requests.Response used here."""

    def __init__(self, status_code, content, headers=None):
        self.status_code = status_code
        self.content = content
        self.headers = headers or {}

    @property
    def text(self):
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.content)


class _Incoming:
    """What the request being handled brought: its request id, clocks and index."""

    def __init__(self, request_id, vclock=None, origin_vclock=None, execution_index=None):
        self.request_id = request_id
        self.vclock = vclock or {}
        self.origin_vclock = origin_vclock or {}
        self.execution_index = execution_index or []


class _State:
    """The process's instrumentation state, behind one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.service = os.environ.get("FILIBUSTER_SERVICE_NAME", "")
        self.url = os.environ.get("FILIBUSTER_URL", "").rstrip("/")
        self.clocks = {}  # request id -> vector clock
        self.counts = {}  # (request id, incoming index as JSON) -> key -> count
        self.root = _Incoming(str(uuid.uuid4()))  # for calls made outside a request
        self.warned = False

    def reset(self):
        with self.lock:
            self.clocks.clear()
            self.counts.clear()


_state = _State()
_local = threading.local()


def _dumps(value):
    """JSON as Python's json.dumps writes it by default, the protocol's spelling."""
    return json.dumps(value)


def _coordinator(method, path, body=None):
    """Sends one request to the coordinator and returns its JSON answer, or None when
    the coordinator cannot be reached (the call then goes ahead uninstrumented)."""
    data = None if body is None else _dumps(body).encode()
    req = urllib.request.Request(_state.url + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with _opener.open(req, timeout=COORDINATOR_TIMEOUT) as resp:
            return json.loads(resp.read() or b"null")
    except (OSError, ValueError) as err:
        if not _state.warned:
            _state.warned = True
            print("pyfilibuster: the coordinator at %s failed: %s" % (_state.url, err), file=sys.stderr)
        return None


def _current():
    return getattr(_local, "incoming", None) or _state.root


def _merge(clock, other):
    """Merges other into clock in place: the larger count of each service."""
    for service, count in other.items():
        if count > clock.get(service, -1):
            clock[service] = count


def _callsite():
    """The caller's frame outside this module: ("dir/file.py", line, function)."""
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _HERE:
        frame = frame.f_back
    if frame is None:
        return ("?", 0, "?")
    path = os.path.relpath(os.path.abspath(frame.f_code.co_filename), _APP_DIR)
    return (path.replace(os.sep, "/"), frame.f_lineno, frame.f_code.co_name)


def _path_of(url):
    """The URL without its scheme and host, as the reference reports it:
    http://users:5000/x?y gives 5000/x?y."""
    parts = urllib.parse.urlsplit(url)
    rest = parts.path
    if parts.query:
        rest += "?" + parts.query
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, "")
    return "%s%s" % (port, rest)


def _send(url, timeout, headers):
    """Makes the call itself and returns its Response; a failure raises ConnectionError
    or Timeout, as requests does."""
    req = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with _opener.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.read(), dict(resp.headers))
    except urllib.error.HTTPError as err:
        try:
            return Response(err.code, err.read(), dict(err.headers))
        finally:
            err.close()
    except urllib.error.URLError as err:
        if isinstance(err.reason, (socket.timeout, TimeoutError)):
            raise Timeout(str(err.reason)) from err
        raise ConnectionError(str(err.reason)) from err
    except (socket.timeout, TimeoutError) as err:
        raise Timeout(str(err)) from err
    except OSError as err:  # reset, remote end closed the connection, ...
        raise ConnectionError(str(err)) from err


def get(url, timeout=None, headers=None):
    """Calls url with GET, like requests.get, reporting the call to the coordinator
    and injecting the fault it asks for. It returns a Response for any status and
    raises ConnectionError or Timeout when the call fails or such a fault is
    injected."""
    headers = dict(headers or {})
    if not _state.url:
        return _send(url, timeout, headers)

    # 3.1: a new test execution forgets every request's clock and counts.
    answer = _coordinator("GET", "/filibuster/new-test-execution/" + _state.service)
    if answer is None:
        return _send(url, timeout, headers)
    if answer.get("new-test-execution"):
        _state.reset()

    incoming = _current()
    site_file, site_line, site_func = _callsite()
    args = [_path_of(url)]
    with _state.lock:
        # 3.2, 3.3: merge the incoming clock, tick this service.
        clock = _state.clocks.setdefault(incoming.request_id, {})
        _merge(clock, incoming.vclock)
        clock[_state.service] = clock.get(_state.service, 0) + 1
        vclock = dict(clock)
        # 3.4: one more [key, count] pair.
        site = "%s:%d:%s" % (site_file, site_line, site_func)
        key = hashlib.md5(("%s-%s-get-%s" % (site, MODULE, _dumps(args))).encode()).hexdigest()
        counts = _state.counts.setdefault((incoming.request_id, _dumps(incoming.execution_index)), {})
        counts[key] = counts.get(key, 0) + 1
        execution_index = _dumps(incoming.execution_index + [[key, counts[key]]])

    # 3.5: report the call.
    created = _coordinator("PUT", "/filibuster/create", {
        "instrumentation_type": "invocation",
        "source_service_name": _state.service,
        "module": MODULE,
        "method": "get",
        "args": args,
        "kwargs": {},
        "callsite_file": site_file,
        "callsite_line": str(site_line),
        "full_traceback": hashlib.md5(site.encode()).hexdigest(),
        "metadata": {} if timeout is None else {"timeout": timeout},
        "vclock": vclock,
        "origin_vclock": incoming.origin_vclock,
        "execution_index": execution_index,
    })
    if created is None:
        return _send(url, timeout, headers)
    complete = {
        "instrumentation_type": "invocation_complete",
        "generated_id": created.get("generated_id"),
        "execution_index": execution_index,
        "vclock": vclock,
    }
    if "execution_index" in created:
        headers.update({
            H_GENERATED_ID: str(created.get("generated_id")),
            H_VCLOCK: _dumps(vclock),
            H_ORIGIN_VCLOCK: _dumps(vclock),
            H_EXECUTION_INDEX: created["execution_index"],
            H_REQUEST_ID: incoming.request_id,
        })

    # 3.6, 4: inject the fault asked for, or make the call.
    try:
        if "forced_exception" in created:
            raise _forced(created["forced_exception"], url, timeout, headers, complete)
        if "failure_metadata" in created:
            status = created["failure_metadata"]["return_value"]["status_code"]
            resp = Response(int(status), b"")
        else:
            resp = _send(url, timeout, headers)
    except RequestException as err:
        complete.setdefault("exception", {"name": err.name, "metadata": {}})
        _coordinator("POST", "/filibuster/update", complete)
        raise
    # 3.7: report the outcome.
    complete["return_value"] = {
        "__class__": "Response",
        "status_code": str(resp.status_code),
        "text": hashlib.md5(resp.content).hexdigest(),
    }
    _coordinator("POST", "/filibuster/update", complete)
    return resp


def _forced(fault, url, timeout, headers, complete):
    """Returns the exception an injected forced_exception raises. With abort false the
    call is made first, carrying the forced sleep to the callee."""
    name = fault.get("name", RequestException.name)
    metadata = fault.get("metadata") or {}
    reported = {}
    if "sleep" in metadata:
        reported["sleep"] = metadata["sleep"]
    if metadata.get("abort", True) is False:
        reported["abort"] = False
        headers[H_FORCED_SLEEP] = str(metadata.get("sleep", 0))
        try:
            _send(url, timeout, headers)
        except RequestException:
            pass
    complete["exception"] = {"name": name, "metadata": reported}
    err = _FAULTS.get(name, RequestException)("injected fault " + name)
    err.name = name
    return err


class Handler(http.server.BaseHTTPRequestHandler):
    """A request handler whose requests are instrumented: subclass it and define
    do_GET and the like, as with BaseHTTPRequestHandler. Calls made with get while a
    request is handled, on the handling thread, belong to that request."""

    def parse_request(self):
        if not super().parse_request():
            return False
        _received(self.headers)
        return True


def _received(headers):
    """Takes the request's Filibuster headers (protocol.md 3, server side)."""
    request_id = headers.get(H_REQUEST_ID) or str(uuid.uuid4())
    execution_index = headers.get(H_EXECUTION_INDEX)
    try:
        incoming = _Incoming(
            request_id,
            json.loads(headers.get(H_VCLOCK) or "{}"),
            json.loads(headers.get(H_ORIGIN_VCLOCK) or "{}"),
            json.loads(execution_index or "[]"),
        )
    except ValueError:
        incoming = _Incoming(request_id)
    _local.incoming = incoming
    if execution_index and _state.url:
        _coordinator("POST", "/filibuster/update", {
            "instrumentation_type": "request_received",
            "generated_id": headers.get(H_GENERATED_ID, ""),
            "execution_index": execution_index,
            "target_service_name": _state.service,
        })
    try:
        sleep = float(headers.get(H_FORCED_SLEEP) or 0)
    except ValueError:
        sleep = 0
    if sleep > 0:
        print("pyfilibuster: %s: sleeping %g s (%s)" % (_state.service, sleep, H_FORCED_SLEEP), file=sys.stderr, flush=True)
        time.sleep(sleep)


def serve(name, address, handler):
    """Serves handler on address (host, port), one thread per connection, until the
    process is stopped. name is the service's name unless FILIBUSTER_SERVICE_NAME is
    set."""
    if not _state.service:
        _state.service = name
    server = http.server.ThreadingHTTPServer(address, handler)
    server.daemon_threads = True
    print("%s: listening on %s:%d" % (name, address[0], address[1]), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
