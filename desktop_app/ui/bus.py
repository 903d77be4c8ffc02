"""The app-wide signal bus: how panels tell each other what happened without knowing each other or the window.

A panel receives the services and this bus. It emits what it did (a job started, models loaded, an item should
be shown) and connects to what it cares about; the shell (main_window.py) only places the panels and carries the
few cross-panel requests that need two panels at once (prefill the form from the library or the queue).
Everything here runs on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppBus(QObject):
    # --- facts: something changed ---------------------------------------------------------------------------
    jobChanged = Signal(object)  # a Job, each time the scheduler records a new state for it
    jobStarted = Signal(str)  # job id, just created and started from a panel: the queue selects it
    groupCreated = Signal(object)  # a JobGroup (batch or comparison) just made: the queue tags its jobs
    libraryChanged = Signal()  # items were added, removed or edited: views listing them reload
    modelsChanged = Signal(list)  # list[ModelInfo], after the model list (re)loaded
    settingsChanged = Signal()  # Settings or the welcome saved: keys, folders or defaults may differ
    compareReady = Signal(list)  # library item ids of a finished comparison, in the order asked
    itemOpened = Signal(object)  # the LibraryItem the preview now shows

    # --- requests: someone should do something -----------------------------------------------------------------
    openItem = Signal(object)  # show this LibraryItem in the preview
    openItemFile = Signal(object, object)  # LibraryItem, Path: show one of its versions or parts in the preview
    editWith = Signal(str, str, int)  # model id, item id, version (0: newest): Create with that model fed it
    showItem = Signal(str)  # show the library item with this id in the preview (read off the GUI thread)
    compareItems = Signal(list, list, list)  # model paths, their titles and costs, side by side in Compare
    statusMessage = Signal(str, int)  # text for the status bar, milliseconds (0: until replaced)
    errorRaised = Signal(str)  # a failure the user must see, in plain words

    def status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusMessage.emit(text, timeout_ms)

    def error(self, text: str) -> None:
        self.errorRaised.emit(text)


def model_names(models: list) -> dict[str, str]:
    """Model id -> the name people read, from a ``modelsChanged`` list."""
    return {m.id: m.name for m in models}
