"""The console executable's entry script (`meshwright-cli`, built on Windows, where the app's own executable has
no console and so prints nothing in a terminal).

It takes what `python -m desktop_app` takes; without arguments it prints the command line's help instead of
opening the window, which is what someone typing `meshwright-cli` in a terminal is after.
"""

import multiprocessing
import sys

from desktop_app.__main__ import exit_process, main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    args = sys.argv[1:] or ["--help"]
    exit_process(main(args), args)
