"""Find text the layout cut off: labels and buttons narrower (or shorter) than their words need.

Used by the high-DPI test, which runs ``python -m desktop_app.tools.layout_check`` under ``QT_SCALE_FACTOR=2``
(and 1.5, and a large font DPI) so the scale applies from the start of the process, as it does on a real screen.
The command builds the main window, the welcome and every Settings tab on a throw-away MESHWRIGHT_HOME and prints
one JSON object: the device pixel ratio seen and the list of clipped widgets.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

SLACK = 1  # px: rounding at fractional scales


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def clipped_widgets(root: QWidget) -> list[str]:
    """Visible labels and buttons under ``root`` whose text does not fit the space the layout gave them."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) or widget.width() <= 0:
            continue
        if isinstance(widget, QLabel):
            problem = _label_problem(widget)
        elif isinstance(widget, QAbstractButton) and widget.text():
            problem = _button_problem(widget)
        else:
            continue
        if problem:
            name = widget.objectName() or type(widget).__name__
            found.append(f"{name} {_plain(getattr(widget, 'text', str)())[:50]!r}: {problem}")
    return found


def _button_problem(button: QAbstractButton) -> str:
    """Its words (and icon) must fit across, and it must keep its full height: a squeezed button looks broken.

    A button merely narrower than the style's preferred width (80 px in Fusion) is fine if its words fit.
    """
    metrics = button.fontMetrics()
    icon = button.iconSize().width() + 4 if not button.icon().isNull() else 0
    width = metrics.horizontalAdvance(_plain(button.text())) + icon + 8
    height = button.sizeHint().height()
    if button.width() + SLACK < width or button.height() + SLACK < height:
        return f"{button.width()}x{button.height()} < {width}x{height}"
    return ""


def _label_problem(label: QLabel) -> str:
    text = label.text()
    if not text or (label.pixmap() and not label.pixmap().isNull()):
        return ""
    rect = label.contentsRect()
    if label.wordWrap() or GuiQt.mightBeRichText(text):
        needed = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        wide = label.sizeHint().width() if not label.wordWrap() else 0
        if label.height() + SLACK < needed:
            return f"height {label.height()} < {needed}"
        if wide and label.width() + SLACK < wide:
            return f"width {label.width()} < {wide}"
        return ""
    metrics = label.fontMetrics()
    lines = _plain(text).split("\n") if label.textFormat() != Qt.TextFormat.RichText else [text]
    width = max(metrics.horizontalAdvance(line) for line in lines)
    height = metrics.lineSpacing() * len(lines)
    if rect.width() + SLACK < width:
        return f"width {rect.width()} < {width}"
    if rect.height() + SLACK < metrics.height() * len(lines) and rect.height() + SLACK < height:
        return f"height {rect.height()} < {height}"
    return ""


async def _check_all(window) -> dict[str, list[str]]:
    from desktop_app.ui.tasks import wait_until

    report: dict[str, list[str]] = {}
    window.resize(1440, 900)
    await wait_until(lambda: window.generate_panel.schema() is not None)
    await asyncio.sleep(0.3)
    report["main window"] = clipped_widgets(window)
    welcome = window.account.open_welcome()
    await wait_until(lambda: "Looking up" not in welcome.accounts.keychain_label.text())
    await asyncio.sleep(0.3)
    report["welcome"] = clipped_widgets(welcome)
    welcome.done(0)
    dialog = window.account.open_settings()
    await wait_until(lambda: "Looking up" not in dialog.keychain_label.text())
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        await asyncio.sleep(0.3)
        report[f"settings {dialog.tabs.tabText(index).replace('&', '')}"] = clipped_widgets(dialog)
    dialog.reject()
    return report


def main() -> int:
    os.environ["MESHWRIGHT_HOME"] = tempfile.mkdtemp(prefix="meshwright-layout-")
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    from desktop_app.app import make_qapplication
    from desktop_app.services import build_services
    from desktop_app.ui.event_loop import EventLoop
    from desktop_app.ui.main_window import MainWindow

    app = make_qapplication([])
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(build_services(), automation=True)

    async def run() -> dict[str, list[str]]:
        window.show()
        await window.start()
        try:
            return await _check_all(window)
        finally:
            await window.shutdown()

    with loop:
        report = loop.run_until_complete(run())
    print(json.dumps({"ratio": window.devicePixelRatioF(), "clipped": report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
