"""Two sections of the slider panel that are more than sliders: Filters and Smart beauty.

What belongs here: :class:`FilterPanel` (the 35 looks of ``core.filters`` as a grid of
thumbnails rendered from the current photo, "None" to clear, and the strength slider row the
panel hands it) and :class:`SmartPanel` (one level 0-100 %, every face or the largest only, and
Apply). Both only say what the user chose; the panel turns it into parameters, and the window
computes thumbnails and smart-beauty settings in a worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from facestudio.core.filters import FILTERS

if TYPE_CHECKING:
    from facestudio.gui.slider_panel import ParamRow

THUMB = 64


class FilterPanel(QWidget):
    """The filter grid and its strength.

    Signals
    -------
    chosen(object)
        A filter id (1-35) or None ("None" clicked).
    """

    chosen = Signal(object)

    def __init__(self, strength: ParamRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strength = strength
        self.grid = QListWidget(self)
        self.grid.setObjectName("filter_grid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 26, THUMB + 44))  # two lines of caption
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setWordWrap(True)
        self.grid.setUniformItemSizes(False)  # True forces one line of caption
        self.grid.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.grid.setMinimumHeight(2 * (THUMB + 44) + 8)
        placeholder = QPixmap(THUMB, THUMB)
        placeholder.fill(QColor(90, 90, 90))
        self._placeholder = QIcon(placeholder)
        none = QListWidgetItem(self._placeholder, "None")
        none.setData(Qt.ItemDataRole.UserRole, None)
        none.setToolTip("No filter")
        self.grid.addItem(none)
        for f in FILTERS:
            item = QListWidgetItem(self._placeholder, f.name)  # the id is in the tooltip
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            item.setToolTip(f"{f.id} {f.name}: {f.description}")
            self.grid.addItem(item)
        self.grid.itemClicked.connect(self._clicked)
        self.description = QLabel("", self)
        self.description.setWordWrap(True)
        self.description.setObjectName("filter_description")
        self.status = QLabel("Thumbnails appear once a photo is open.", self)
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.description)
        rows = QGridLayout()
        rows.setColumnStretch(1, 1)
        strength.place(rows, 0)
        layout.addLayout(rows)
        layout.addWidget(self.status)
        self._thumbs = 0

    def item_for(self, filter_id: int | None) -> QListWidgetItem:
        return self.grid.item(0 if filter_id is None else filter_id)

    def thumbnail_count(self) -> int:
        """How many filter items show a real thumbnail (not the placeholder)."""
        return self._thumbs

    def set_thumbnails(self, thumbs: dict[int, QImage] | None, original: QImage | None = None) -> None:
        """Show the photo's thumbnails (None: placeholders, e.g. no photo open)."""
        self._thumbs = 0
        for row in range(self.grid.count()):
            item = self.grid.item(row)
            fid = item.data(Qt.ItemDataRole.UserRole)
            img = original if fid is None else (thumbs or {}).get(fid)
            if thumbs is None or img is None or img.isNull():
                item.setIcon(self._placeholder)
                continue
            item.setIcon(QIcon(QPixmap.fromImage(img)))
            self._thumbs += fid is not None
        self.status.setText("" if thumbs else "Thumbnails appear once a photo is open.")

    def show_filter(self, filter_id: int | None) -> None:
        """Select ``filter_id`` in the grid without emitting :attr:`chosen`."""
        self.grid.blockSignals(True)
        try:
            item = self.item_for(filter_id)
            self.grid.setCurrentItem(item)
            self.grid.scrollToItem(item)
        finally:
            self.grid.blockSignals(False)
        if filter_id is None:
            self.description.setText("No filter.")
        else:
            f = FILTERS[filter_id - 1]
            self.description.setText(f"<b>{f.id} {f.name}</b>: {f.description}")
        for w in (self.strength.slider, self.strength.spin, self.strength.reset):
            w.setEnabled(filter_id is not None)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))


class SmartPanel(QWidget):
    """One-click smart beauty: a level and which faces.

    Signals
    -------
    applyRequested(float, bool)
        Level 0-1, and True for every face (False: the largest face only).
    """

    applyRequested = Signal(float, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setColumnStretch(0, 1)
        intro = QLabel("Measures each face's skin and sets a balanced mix for it (each face gets "
                       "its own settings). Undo with Ctrl+Z.", self)
        intro.setWordWrap(True)
        grid.addWidget(intro, 0, 0, 1, 2)
        grid.addWidget(QLabel("Level", self), 1, 0, 1, 2)
        self.level = QSlider(Qt.Orientation.Horizontal, self)
        self.level.setObjectName("smart_level")
        self.level.setRange(0, 100)
        self.level.setValue(60)
        self.level.setPageStep(10)
        self.level_label = QLabel("60 %", self)
        self.level_label.setMinimumWidth(40)
        self.level.valueChanged.connect(lambda v: self.level_label.setText(f"{v} %"))
        grid.addWidget(self.level, 2, 0)
        grid.addWidget(self.level_label, 2, 1)
        self.every_face = QRadioButton("Every face", self)
        self.every_face.setObjectName("smart_every_face")
        self.largest_face = QRadioButton("Largest face only", self)
        self.largest_face.setObjectName("smart_largest_face")
        self.every_face.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.every_face)
        group.addButton(self.largest_face)
        grid.addWidget(self.every_face, 3, 0, 1, 2)
        grid.addWidget(self.largest_face, 4, 0, 1, 2)
        self.apply_button = QPushButton("Apply smart beauty", self)
        self.apply_button.setObjectName("smart_apply")
        self.apply_button.clicked.connect(
            lambda: self.applyRequested.emit(self.level.value() / 100.0, self.every_face.isChecked()))
        grid.addWidget(self.apply_button, 5, 0, 1, 2)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        grid.addWidget(self.status, 6, 0, 1, 2)
        grid.setRowStretch(7, 1)
