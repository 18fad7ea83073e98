"""Bundled pool files."""
