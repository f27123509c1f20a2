"""Database backends of the project: Django's, with what the deployment needs added."""
