"""Entry point: no arguments opens the app; a subcommand runs the headless CLI (which never imports Qt)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    gui_flags = {"--self-test", "--screenshot-mode"}
    if not args or all(a in gui_flags or a.startswith("-platform") for a in args):
        from desktop_app.app import run_gui

        return run_gui(args)
    from desktop_app.cli import run_cli

    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
