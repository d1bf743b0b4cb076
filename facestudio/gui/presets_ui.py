"""Presets in the window: the Presets menu and the "Presets" section of the panel.

What belongs here: :class:`PresetsPanel` (the list of built-in and user presets with Apply,
Save current as…, Delete…) and :func:`fill_presets_menu`. Both only call the window's
:class:`~facestudio.gui.workflow.Workflow`, which uses ``facestudio.presets``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QWidget

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu

    from facestudio.gui.workflow import Workflow

#: what each built-in preset is for (shown as a tooltip)
BUILTIN_NOTES = {
    "natural": "A light everyday retouch: soft skin, small blemishes gone",
    "studio": "A polished beauty look with brighter teeth",
    "headshot": "Corporate headshot: clean skin, no shape changes",
    "soft-glow": "Soft skin with a gentle glow filter",
    "cloud-defaults": "The cloud service's default slider values",
}


def preset_names() -> tuple[list[str], set[str]]:
    """Every preset name (built-ins first) and the built-in ones."""
    from facestudio.presets import BUILTIN_PRESETS, list_presets

    return list_presets(), set(BUILTIN_PRESETS)


class PresetsPanel(QWidget):
    """The presets, one click (or double click) to apply."""

    def __init__(self, workflow: Workflow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        grid = QGridLayout(self)
        self.list = QListWidget(self)
        self.list.setObjectName("preset_list")
        self.list.itemDoubleClicked.connect(lambda item: self._apply(item))
        grid.addWidget(self.list, 0, 0, 1, 3)
        self.about = QLabel("", self)
        self.about.setObjectName("preset_about")
        self.about.setWordWrap(True)
        self.list.currentItemChanged.connect(
            lambda item, _old: self.about.setText(item.toolTip() if item is not None else ""))
        grid.addWidget(self.about, 1, 0, 1, 3)
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setToolTip("Apply the selected preset (one undoable edit)")
        self.apply_button.clicked.connect(lambda: self._apply(self.list.currentItem()))
        self.save_button = QPushButton("Save current…", self)
        self.save_button.setToolTip("Save the current settings as a preset of your own")
        self.save_button.clicked.connect(workflow.save_preset_dialog)
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.clicked.connect(workflow.delete_preset_dialog)
        grid.addWidget(self.apply_button, 2, 0)
        grid.addWidget(self.save_button, 2, 1)
        grid.addWidget(self.delete_button, 2, 2)
        note = QLabel("A preset sets every face; while one face is edited alone, only that face.", self)
        note.setWordWrap(True)
        grid.addWidget(note, 3, 0, 1, 3)
        grid.setRowStretch(0, 1)
        workflow.presetsChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        names, builtin = preset_names()
        self.list.clear()
        for name in names:
            item = QListWidgetItem(name + ("  (built-in)" if name in builtin else ""))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(BUILTIN_NOTES.get(name, "Your preset") + ".")
            self.list.addItem(item)
        self.list.setCurrentRow(0)

    def names(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _apply(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.workflow.apply_preset(item.data(Qt.ItemDataRole.UserRole))


def fill_presets_menu(menu: QMenu, workflow: Workflow) -> None:
    """Rebuild the "Apply preset" submenu from the presets on disk."""
    menu.clear()
    names, builtin = preset_names()
    for name in names:
        act = menu.addAction(name + ("" if name in builtin else "  (yours)"))
        act.setToolTip(BUILTIN_NOTES.get(name, "Your preset"))
        act.triggered.connect(lambda _=False, n=name: workflow.apply_preset(n))
