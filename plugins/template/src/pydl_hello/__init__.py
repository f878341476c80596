"""pydl-hello: the smallest useful pydl plugin (one model, one recipe). Uses only pydl's public API."""
__version__ = "0.1.0"
