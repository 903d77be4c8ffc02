"""Versions and parts in the real window over the Scenario emulator: an item remeshed then retextured lists three
versions with their lineage in its details; picking v2 shows v2's file in the preview; "Compare with previous"
opens v2 beside v1; Show folder opens the picked version's folder; a part split lists its parts and Show
previews one alone; "Edit with…" on the preview's toolbar opens Create with the shown item in the model input."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QListWidget

from desktop_app.core.jobs.store import JobState
from desktop_app.core.library.files import import_model
from desktop_app.core.library.store import LibraryFile, LibraryItem, new_item_id
from desktop_app.core.library.versions import model_path, parts
from desktop_app.ui.main_layout import Workspaces
from desktop_app.ui.main_window import MainWindow
from tests.emulators.common import make_glb
from tests.emulators.scenario import ScenarioEmulator
from tests.ui.conftest import select_item, wait_until


async def _refine(window: MainWindow, qtbot, item_id: str, model_name: str, values: dict | None = None,
                  prompt: str = "", pick: int = 0) -> None:
    """Edit with… ``model_name`` from the item's details (on version ``pick`` clicked in its versions list when
    given), fill the form, press Generate, wait for the job."""
    await select_item(window, item_id)
    details = window.library_panel.details
    if pick:
        section = details.versions
        await wait_until(lambda: section.item_id == item_id and section.list.count() > 1, 10, "the versions")
        row = next(r for r in range(section.list.count()) if section.list.item(r).text().startswith(f"v{pick} "))
        _click_row(qtbot, section.list, row)
        assert section.shown_number() == pick
    button = details.buttons["refine"]
    await wait_until(button.isEnabled, what="Edit with… to know the refine models")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    action = next(a for a in details.refine_menu.actions() if a.text() == model_name)
    details.refine_menu.close()
    action.trigger()
    panel = window.generate_panel
    await wait_until(lambda: any(c.item_id == item_id for c in panel.form.model_inputs()),
                     what="the item in the model input")
    if pick:
        assert [m.version for m in panel.form.model_inputs()] == [pick]  # the version picked, not the newest
        title = window.services.library.get(item_id).title
        assert any(label.text() == f"{title} (v{pick})" for label in panel.form.findChildren(QLabel))
    if values:
        panel.form.set_values(values)
    if prompt:
        editor = panel.form.editor_widget("prompt")
        editor.setFocus()
        qtbot.keyClicks(editor, prompt)
    await wait_until(window.generate_button.isEnabled, 10, f"Generate to enable ({panel.blockers()})")
    store = window.services.store
    before = len(store.list())
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: len(store.list()) > before and all(j.state.terminal for j in store.list()), 60,
                     "the job to end")
    job = max(store.list(), key=lambda j: j.created_at)
    assert job.state is JobState.SUCCEEDED, job.message
    assert job.item_id == item_id


def _click_row(qtbot, box: QListWidget, row: int, double: bool = False) -> None:
    rect = box.visualItemRect(box.item(row))
    click = qtbot.mouseDClick if double else qtbot.mouseClick
    if double:
        qtbot.mouseClick(box.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click(box.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_remesh_then_retexture_lists_three_versions_shows_and_compares_them(sphere_window, qtbot, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)

    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        await _refine(window, qtbot, item.id, "Meshy Remesh", {"targetPolycount": 200})
        await _refine(window, qtbot, item.id, "Meshy 7 Retexture", prompt="rusty metal")
        await select_item(window, item.id)
        details = window.library_panel.details
        section = details.versions
        await wait_until(lambda: section.isVisible() and section.list.count() == 3, 10, "three versions listed")
        texts = [section.list.item(r).text() for r in range(3)]
        assert texts[0].startswith("v3 · Retexture (Meshy 7 Retexture) · from v2 · ")
        assert texts[1].startswith("v2 · Remesh (Meshy Remesh) · from v1 · ")
        assert texts[2].startswith("v1 · Original")
        assert "prompt = rusty metal" in section.list.item(0).toolTip()
        assert "targetPolycount = 200" in section.list.item(1).toolTip()
        assert section.list.maximumHeight() < 200  # a compact list, not a tall table
        assert not section.parts_list.isVisible()  # no part split here

        fresh = window.services.library.get(item.id)
        v1, v2, v3 = (model_path(fresh, n) for n in (1, 2, 3))
        assert len({v1, v2, v3}) == 3
        preview = window.preview_panel
        assert section.list.currentRow() == 0  # the newest, which the item opens
        _click_row(qtbot, section.list, 1)
        await wait_until(lambda: preview.shown_path == v2, 10, "v2 in the preview")
        assert preview.open_id == item.id
        await wait_until(lambda: window.preview.state() in ("scene", "error"), 30, "v2 to load")
        assert window.preview.state() == "scene", window.preview.message_text()

        compare = section.compare_button
        assert compare.isEnabled()
        qtbot.mouseClick(compare, Qt.MouseButton.LeftButton)
        await wait_until(lambda: window.compare_window is not None and window.compare_window.isVisible(), 10,
                         "the compare window")
        shown = [Path(p._loading_path) for p in window.compare_window.previews()]
        assert shown == [v1, v2]  # the version it was made from, then the picked one

        qtbot.mouseClick(details.buttons["reveal"], Qt.MouseButton.LeftButton)
        assert opened and Path(opened[-1]) == fresh.folder / "versions" / "v2"
        actions = window.library_panel.actions
        qtbot.mouseClick(details.buttons["export"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: getattr(actions, "export_dialog", None) is not None, 10, "the export dialog")
        dialog = actions.export_dialog
        assert dialog.item.model_path == v2 and dialog.item.title == "Sphere v2"  # the version picked
        dialog.reject()

        _click_row(qtbot, section.list, 2)  # v1: nothing before it to compare with
        await wait_until(lambda: preview.shown_path == v1, 10, "v1 in the preview")
        assert not compare.isEnabled()

    sphere_window(body)


def test_edit_with_on_a_picked_version_refines_that_version(sphere_window, qtbot):
    """v3 is the newest; picking v2 in the list and Edit with… sends v2's file and the result says "from v2"."""

    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        await _refine(window, qtbot, item.id, "Meshy Remesh", {"targetPolycount": 200})
        await _refine(window, qtbot, item.id, "Meshy 7 Retexture", prompt="rusty metal")
        before = window.services.library.get(item.id)
        v2_file = model_path(before, 2)
        assert v2_file is not None and v2_file.read_bytes() != model_path(before, 3).read_bytes()

        await _refine(window, qtbot, item.id, "Meshy Remesh", pick=2)
        fresh = window.services.library.get(item.id)
        newest = max(fresh.versions, key=lambda v: v["number"])
        assert newest["number"] == 4 and newest["made_from"] == 2
        job = max(emu.jobs.values(), key=lambda j: j["seq"])
        assert job["modelId"] == "model_meshy-remesh"
        sent = next(emu.files[str(v)][0] for v in job["input"].values() if str(v) in emu.files)
        assert hashlib.sha256(sent).hexdigest() == hashlib.sha256(v2_file.read_bytes()).hexdigest()
        section = window.library_panel.details.versions
        await wait_until(lambda: section.list.count() == 4, 10, "four versions listed")
        assert section.list.item(0).text().startswith("v4 · Remesh (Meshy Remesh) · from v2 · ")

    sphere_window(body)


def test_a_part_split_lists_its_parts_and_shows_one_alone(sphere_window, qtbot):
    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        await _refine(window, qtbot, item.id, "Hunyuan 3D Part")
        await select_item(window, item.id)
        section = window.library_panel.details.versions
        await wait_until(lambda: section.isVisible() and section.parts_list.count() >= 2, 10, "the parts listed")
        fresh = window.services.library.get(item.id)
        found = parts(fresh, 2)
        assert len(found) >= 2
        assert section.parts_title.text().endswith(f"({len(found)})</b>")
        assert [section.parts_list.item(r).text() for r in range(section.parts_list.count())] == \
            [p.name for p in found]
        assert section.list.item(0).text().startswith("v2 · Part split (Hunyuan 3D Part) · from v1")

        preview = window.preview_panel
        _click_row(qtbot, section.parts_list, 1)
        qtbot.mouseClick(section.show_part_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: preview.shown_path == found[1], 10, "the second part alone")
        await wait_until(lambda: window.preview.state() in ("scene", "error"), 30, "the part to load")
        assert window.preview.state() == "scene", window.preview.message_text()
        _click_row(qtbot, section.parts_list, 0, double=True)
        await wait_until(lambda: preview.shown_path == found[0], 10, "the first part, by double-click")
        assert preview.shown_version == 2  # a part: the version it belongs to
        qtbot.mouseClick(section.show_all_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: preview.shown_path == model_path(fresh, 2), 10, "the whole split again")

        _click_row(qtbot, section.list, 1)  # v1, the original, in the preview
        await wait_until(lambda: preview.shown_path == model_path(fresh, 1), 10, "v1 in the preview")
        assert preview.shown_version == 1
        qtbot.mouseClick(preview.edit_with_button, Qt.MouseButton.LeftButton)
        action = next(a for a in preview.edit_with_menu.actions() if a.text() == "Meshy Remesh")
        preview.edit_with_menu.close()
        action.trigger()  # the preview's Edit with… refines the version it shows, not the newest (v2)
        panel = window.generate_panel
        await wait_until(lambda: bool(panel.form.model_inputs()), 10, "the shown version in the model input")
        assert [(m.item_id, m.version, m.path) for m in panel.form.model_inputs()] == \
            [(item.id, 1, model_path(fresh, 1))]

    sphere_window(body)


def test_edit_with_from_the_preview_opens_create_with_the_shown_item(sphere_window, qtbot, tmp_path):
    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        preview = window.preview_panel
        button = preview.edit_with_button
        await wait_until(lambda: bool(preview.refine_models), 10, "the refine models")
        assert not button.isEnabled()  # nothing from the library is shown yet
        loose = tmp_path / "loose.glb"
        loose.write_bytes(make_glb(seed=5))
        preview.open_file(loose)
        assert not button.isEnabled()  # a file from disk is not a library item

        await select_item(window, item.id)
        window.library_view.itemActivated.emit(window.services.library.get(item.id))  # as a double-click does
        await wait_until(lambda: preview.open_id == item.id and button.isEnabled(), 10, "Edit with… enabled")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        menu = preview.edit_with_menu
        assert [a.text() for a in menu.actions()] == [name for _, name in preview.refine_models]
        action = next(a for a in menu.actions() if a.text() == "Tripo Retopology")
        menu.close()
        action.trigger()
        assert window.workspaces.current() == Workspaces.CREATE
        panel = window.generate_panel
        assert panel.current_model_id() == "scenario:model_tripo-retopology"
        await wait_until(lambda: bool(panel.form.model_inputs()), 10, "the item in the model input")
        (chosen,) = panel.form.model_inputs()
        assert chosen.item_id == item.id and chosen.version == 1

    sphere_window(body)


def test_a_split_made_from_a_file_lists_its_parts_without_a_versions_list(main_window, qloop, tmp_path):
    """A dropped file split into parts is a new item whose only version has parts: no versions list, parts yes."""
    src = tmp_path / "job-split"
    (src / "outputs").mkdir(parents=True)
    files = []
    for n in range(3):
        (src / "outputs" / f"part-{n}.glb").write_bytes(make_glb(seed=n))
        files.append(LibraryFile(f"outputs/part-{n}.glb", "model", (src / "outputs" / f"part-{n}.glb").stat().st_size))
    item = main_window.services.library.add(
        LibraryItem(id=new_item_id("Split"), title="Split", model_id="scenario:model_hunyuan-3d-part",
                    created_at=1_700_000_000.0, files=files, model_file="outputs/part-0.glb"), src)
    main_window.workspaces.show(Workspaces.LIBRARY)
    main_window.library_view.reload()
    section = main_window.library_panel.details.versions
    qloop.until(lambda: main_window.library_view.select(item.id) is None and section.isVisible()
                and section.parts_list.count() == 3, 10, "the split's parts")
    assert section.parts_title.text().endswith("(3)</b>") and section.parts_title.isVisible()
    assert not section.list.isVisible() and not section.compare_button.isVisible()  # one version: no list
    single = main_window.services.library.get(item.id)
    assert [section.parts_list.item(r).text() for r in range(3)] == [p.name for p in parts(single)]

    (tmp_path / "plain.glb").write_bytes(make_glb(seed=9))
    plain = import_model(main_window.services.library, tmp_path / "plain.glb", "Plain")
    main_window.library_view.reload()
    main_window.library_view.select(item.id)
    qloop.until(lambda: main_window.library_view.select(plain.id) is None
                and main_window.library_panel.details.item is not None
                and main_window.library_panel.details.item.id == plain.id, 10, "the plain item's details")
    qloop.until(lambda: not section.isVisible(), 5, "no versions or parts for a single plain model")
