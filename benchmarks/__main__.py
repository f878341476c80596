import sys

from pydl.cli import main

sys.exit(main(["bench", *sys.argv[1:]]))
