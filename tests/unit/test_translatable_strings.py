"""Every user-visible string in the UI modules goes through Qt's translation (tr / QCoreApplication.translate).

An AST scan: a string literal with words in it, passed straight to a call that puts text on screen, is a
string a translator can never reach. Object names, log messages and key sequences are not such calls.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "desktop_app" / "ui"
# Every UI module, including ones added later: a new screen is checked without anyone remembering to list it.
MODULES = tuple(sorted(str(p.relative_to(UI).with_suffix("")) for p in UI.rglob("*.py") if p.name != "__init__.py"))
# Calls whose text arguments end up on screen.
SHOWN = {"setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "setStatusTip", "setWhatsThis",
         "setAccessibleName", "setLabelText", "showMessage", "addTab", "setSuffix", "setSpecialValueText",
         "QLabel", "QPushButton", "QToolButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QMessageBox"}
_TAGS = re.compile(r"<[^>]*>")


def _words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", _TAGS.sub("", text)))


def untranslated(node: ast.AST) -> str | None:
    """The literal text of ``node`` if it is one that should have been translated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _words(node.value) else None
    if isinstance(node, ast.JoinedStr):  # f-strings: only their literal parts count
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return text if _words(text) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return untranslated(node.left) or untranslated(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("replace", "format"):
        return untranslated(node.func.value)  # "Text %1".replace(...) is still untranslated text
    if isinstance(node, ast.IfExp):
        return untranslated(node.body) or untranslated(node.orelse)
    return None


def findings(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in SHOWN:
            continue
        for arg in node.args:
            text = untranslated(arg)
            if text is not None:
                found.append(f"line {node.lineno}: {name}({text[:60]!r})")
    return found


def test_the_scan_flags_bare_text_and_passes_translated_text():
    bad = '''
label = QLabel("Hello there")
button.setToolTip(f"Opens {name} now")
self.setWindowTitle("Save %1".replace("%1", x))
tabs.addTab(page, "General")
bar.showMessage("Done" if ok else "Failed")
'''
    assert len(findings(bad)) == 5
    good = '''
label = QLabel(self.tr("Hello there"))
button.setToolTip(self.tr("Opens %1 now").replace("%1", name))
self.setWindowTitle(QCoreApplication.translate("X", "Save"))
label.setObjectName("dropMessage")
log.info("saving %s failed", name)
heading = QLabel(f"<b>{name}</b>")
item.setText(f"{path.name}: {error}")
action = QAction(text, self, shortcut=QKeySequence("Ctrl+,"))
'''
    assert findings(good) == []


@pytest.mark.parametrize("module", MODULES)
def test_ui_module_shows_only_translated_text(module):
    path = UI / f"{module}.py"
    assert findings(path.read_text(encoding="utf-8")) == []
