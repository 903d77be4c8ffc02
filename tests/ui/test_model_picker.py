"""The model picker groups models under their service and says what each needs; no raw ids as names."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from desktop_app.providers.base import ModelInfo
from desktop_app.providers.scenario_models import display_name, model_info
from desktop_app.ui.generate.model_picker import fill_model_combo, first_model_index

MODELS = [
    ModelInfo("scenario:model_trellis-2", "Trellis 2", "scenario", available=False,
              unavailable_reason="Add your Scenario key in Settings"),
    ModelInfo("local:relief", "Offline relief", "local", needs_account=False),
    ModelInfo("scenario:model_x", "X Pro", "scenario", available=False,
              unavailable_reason="Needs the Pro Scenario plan or above."),
    ModelInfo("hyper3d:rodin", "Hyper3D Rodin", "hyper3d"),
]


def test_models_sit_under_their_service_free_first_and_headings_cannot_be_picked(qapp):
    combo = QComboBox()
    fill_model_combo(combo, MODELS)
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts[0].startswith("On this computer") and "free" in texts[0]
    assert texts[1].strip() == "Offline relief"
    assert texts[2].startswith("Hyper3D Rodin —") and "key" in texts[2]
    assert texts[4].startswith("Scenario —")
    assert texts[5].strip() == "Trellis 2  (needs a key)"
    assert texts[6].strip() == "X Pro  (needs a higher plan)"
    headings = [i for i in range(combo.count()) if combo.itemData(i) is None]
    assert headings == [0, 2, 4]
    for i in headings:
        assert not combo.model().item(i).flags() & Qt.ItemFlag.ItemIsSelectable
    assert combo.itemData(5, Qt.ItemDataRole.ToolTipRole) == "Add your Scenario key in Settings"
    assert first_model_index(combo) == 1


def test_a_model_the_live_list_leaves_unnamed_gets_a_readable_name():
    assert display_name("model_trellis-2") == "Trellis 2"  # the bundled schema's name
    assert display_name("scenario:model_tripo-v3-0-texturing") == "Tripo v3 0 texturing"
    assert model_info({"id": "model_trellis-2", "name": ""}).name == "Trellis 2"
    assert model_info({"id": "model_meshy-remesh"}).name == "Meshy remesh"
