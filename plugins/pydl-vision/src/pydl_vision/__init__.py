"""pydl-vision: the book's machine-vision chapter as a pydl plugin.

Uses only pydl's public API (a test checks that nothing here imports ``pydl._C`` or a private pydl module).
"""
__version__ = "0.1.0"
