"""One module per recipe: a docstring (first line = help), ``add_arguments(parser)`` and ``run(args) -> dict``."""
