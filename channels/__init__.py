"""Rasa input channels of our own, referenced by module path from credentials.yml."""
