"""The frozen app's entry script (PyInstaller runs a script, not ``python -m``)."""

import multiprocessing
import sys

from desktop_app.__main__ import exit_process, main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a worker process of a frozen app must not start a second app
    exit_process(main(), sys.argv[1:])
