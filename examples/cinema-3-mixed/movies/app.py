"""movies, the movies service of cinema-3-mixed, in Python.

It is cinema-3's movies service (examples/cinema-3/movies, and the original's
movies/app.py) written with the standard library's http.server and instrumented by
pyfilibuster: it serves the movie catalogue and calls no other service.

    python3 movies/app.py -addr 127.0.0.1:5001

It reads cinema-3's movies.json and answers 404 for an unknown movie, as the Go port
does.
"""

import argparse
import json
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import pyfilibuster  # noqa: E402 (after the path is set)

with open(os.path.join(HERE, "..", "..", "cinema-3", "movies", "movies.json")) as f:
    MOVIES = json.load(f)  # movie id -> title, rating, director, id


class Handler(pyfilibuster.Handler):
    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/":
            self.reply(200, {"uri": "/", "subresource_uris": {
                "movies": "/movies", "movie": "/movies/<id>"}})
        elif path == "/health-check":
            self.reply(200, {"status": "OK"})
        elif path == "/movies":
            self.reply(200, MOVIES)
        elif path.startswith("/movies/") and path.count("/") == 2:
            self.movie_info(path[len("/movies/"):])
        else:
            self.fail(404, "Not found.")

    def movie_info(self, movieid):
        movie = MOVIES.get(movieid)
        if movie is None:
            return self.fail(404, "Movie %s not found." % movieid)
        self.reply(200, dict(movie, uri="/movies/" + movieid))

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
    parser = argparse.ArgumentParser(description="the movies service of cinema-3-mixed")
    parser.add_argument("-addr", default="127.0.0.1:5001", help="address to listen on")
    args = parser.parse_args()
    host, port = args.addr.rsplit(":", 1)
    pyfilibuster.serve("movies", (host, int(port)), Handler)


if __name__ == "__main__":
    main()
