"""The HTTP API of mediation: `views`, their `serializers`, and `urls`."""
