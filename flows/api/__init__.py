"""The HTTP API of flows: `views`, their `serializers`, and `urls`."""
