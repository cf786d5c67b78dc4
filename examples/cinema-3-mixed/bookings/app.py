"""bookings, the bookings service of cinema-3-mixed, in Python.

It is cinema-3's bookings service (examples/cinema-3/bookings, and the original's
bookings/app.py) written with the standard library's http.server and instrumented by
pyfilibuster: it returns each user's bookings with the movies resolved, asking the
movies service for every booked movie's title and rating with a 10 s timeout.

    python3 bookings/app.py -addr 127.0.0.1:5003

It reads cinema-3's bookings.json and finds the movies service at MOVIES_URL (default
http://127.0.0.1:5001). It answers 404 for an unknown user and 503 when the movies
service fails in any way, as the Go port does.
"""

import argparse
import json
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import pyfilibuster  # noqa: E402 (after the path is set)

with open(os.path.join(HERE, "..", "..", "cinema-3", "bookings", "bookings.json")) as f:
    BOOKINGS = json.load(f)  # username -> date -> movie ids, in file order

MOVIES_URL = os.environ.get("MOVIES_URL") or "http://127.0.0.1:5001"

# The timeout of every call to the movies service, in seconds.
MOVIES_TIMEOUT = 10


class Handler(pyfilibuster.Handler):
    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/":
            self.reply(200, {"uri": "/", "subresource_uris": {
                "bookings": "/bookings", "booking": "/bookings/<username>"}})
        elif path == "/health-check":
            self.reply(200, {"status": "OK"})
        elif path == "/bookings":
            self.reply(200, BOOKINGS)
        elif path.startswith("/bookings/") and path.count("/") == 2:
            self.booking_record(path[len("/bookings/"):])
        else:
            self.fail(404, "Not found.")

    def booking_record(self, username):
        record = BOOKINGS.get(username)
        if record is None:
            return self.fail(404, "No bookings were found for " + username)
        result = {}
        for date, movieids in record.items():
            result[date] = []
            for movieid in movieids:
                try:
                    resp = pyfilibuster.get(MOVIES_URL + "/movies/" + movieid, timeout=MOVIES_TIMEOUT)
                except pyfilibuster.Timeout:
                    return self.fail(503, "The Movie service timed out.")
                except pyfilibuster.ConnectionError:
                    return self.fail(503, "The Movie service is unavailable.")
                if resp.status_code != 200:
                    return self.fail(503, "The Movie service is malfunctioning.")
                try:
                    movie = resp.json()
                    result[date].append({"rating": movie["rating"], "title": movie["title"], "uri": movie["uri"]})
                except (ValueError, KeyError, TypeError) as err:
                    return self.fail(500, "decoding the movie: %s" % err)
        self.reply(200, result)

    def reply(self, status, value):
        """Answers value as JSON with sorted keys, as Flask's jsonify does."""
        body = (json.dumps(value, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def fail(self, status, message):
        """Answers status with message as plain text."""
        body = (message + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description="the bookings service of cinema-3-mixed")
    parser.add_argument("-addr", default="127.0.0.1:5003", help="address to listen on")
    args = parser.parse_args()
    host, port = args.addr.rsplit(":", 1)
    pyfilibuster.serve("bookings", (host, int(port)), Handler)


if __name__ == "__main__":
    main()
