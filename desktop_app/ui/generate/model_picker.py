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

from desktop_app.ui.provider_texts import described, provider_text


def service_headings() -> dict[str, tuple[str, str]]:
    """Service name -> (heading, what its models need), in the provider list's order (free first)."""
    return {d.name: (d.picker_heading or d.display_name, d.needs) for d in described()}


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
    services = service_headings()
    order = [s for s in services if s in by_service] + [s for s in by_service if s not in services]
    item_model = combo.model()
    for service in order:
        title, needs = services.get(service, (service.title(), ""))
        title, needs = provider_text(title), provider_text(needs)
        combo.addItem(f"{title} — {needs}" if needs else title, None)
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
