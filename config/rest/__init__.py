"""REST plumbing every app's `api/` package uses: one error shape, the hardened JSON parser,
pagination, and the request headers and path ids the endpoints share."""
