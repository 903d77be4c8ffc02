"""The model picker's list: models grouped under their service, each saying what it needs.

A first-time user cannot tell from "Trellis 2" that it runs on Scenario and needs a Scenario key and credits, while
"Offline relief" is free and needs nothing. So each service is a heading (not selectable) naming what it asks for,
and a model that cannot be used yet says why in a few words (the whole reason is its tooltip).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox

# Service headings in the order a newcomer should read them: free first.
SERVICES: dict[str, tuple[str, str]] = {
    "local": ("On this computer", "free, no account"),
    "hyper3d": ("Hyper3D Rodin", "Rodin API key, paid credits"),
    "scenario": ("Scenario", "Scenario key and secret, paid credits"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ModelPicker", text)


def short_need(info: Any) -> str:
    """A few words on why a model cannot be used yet: "needs a key" or the plan it needs."""
    reason = str(getattr(info, "unavailable_reason", "") or "")
    if "plan" in reason.lower():
        return _tr("needs a higher plan")
    if "key" in reason.lower():
        return _tr("needs a key")
    return _tr("not available")


def fill_model_combo(combo: QComboBox, models: Iterable[Any]) -> None:
    """Headings (disabled, data None) and models (data = model id) in service order, then list order."""
    combo.clear()
    by_service: dict[str, list[Any]] = {}
    for info in models:
        by_service.setdefault(info.provider, []).append(info)
    order = [s for s in SERVICES if s in by_service] + [s for s in by_service if s not in SERVICES]
    item_model = combo.model()
    for service in order:
        title, needs = SERVICES.get(service, (service.title(), ""))
        combo.addItem(f"{_tr(title)} — {_tr(needs)}" if needs else _tr(title), None)
        heading = combo.count() - 1
        if isinstance(item_model, QStandardItemModel):
            item = item_model.item(heading)
            item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled))
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        for info in by_service[service]:
            label = f"    {info.name}" if info.available else f"    {info.name}  ({short_need(info)})"
            combo.addItem(label, info.id)
            tip = info.description if info.available else (info.unavailable_reason or info.description)
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)


def first_model_index(combo: QComboBox) -> int:
    return next((i for i in range(combo.count()) if combo.itemData(i)), -1)
