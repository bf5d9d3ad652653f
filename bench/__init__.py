"""``python -m bench``: wrk load tests of tokstack against a bare ASGI ceiling (see README)."""
