"""The one error every loader raises for a file it cannot decode (a ValueError, as before)."""


class CorruptFileError(ValueError):
    """The file is not a complete, valid pydl archive (or Keras weight file): names the file and what was wrong."""
