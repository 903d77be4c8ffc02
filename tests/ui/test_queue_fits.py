"""The queue's rows fit its width in either workspace: no horizontal scroll bar when the Library workspace makes
the preview column (and the queue under it) narrower than where the rows were first laid out."""

from __future__ import annotations

from desktop_app.core.jobs.store import JobState


def test_queue_rows_fit_the_narrower_library_workspace(main_window, qloop, fixture_images) -> None:
    window = main_window
    window.resize(1366, 768)
    window.drop_zone.add_paths([fixture_images / "typical_misc_crate.png"])
    qloop.until(window.generate_button.isEnabled, 20, "Generate to enable")
    window.generate()
    store = window.services.store
    qloop.until(lambda: store.list() and store.list()[0].state is JobState.SUCCEEDED, 60, "the job")
    queue = window.queue_panel.view.view
    wide = queue.viewport().width()
    window.workspaces.show(window.workspaces.LIBRARY)
    qloop.until(lambda: queue.viewport().width() < wide - 100, 10, "the narrower queue")
    qloop.until(lambda: queue.visualRect(window.queue_panel.job_model.index(0)).width() <= queue.viewport().width(),
                5, "the row laid out again at the new width")
    assert not queue.horizontalScrollBar().isVisible()
    assert queue.horizontalScrollBar().maximum() == 0
