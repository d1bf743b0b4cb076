"""Small widgets of the main window: the film strip and the status bar's activity display.

What belongs here: :class:`FilmStrip` (one thumbnail per open photo, shown when several are
open) and :class:`ActivityBar` (what FaceStudio is doing now, a busy indicator and a Cancel
button for work that can be cancelled). Neither knows about documents or jobs beyond a
callback.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QProgressBar, QToolButton, QWidget

THUMB = QSize(112, 80)


class FilmStrip(QListWidget):
    """Thumbnails of the open photos; :attr:`chosen` gives the row the user picked."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(THUMB)
        # an explicit grid: items added before their thumbnail exists would otherwise be laid
        # out text-sized and keep that size
        self.setGridSize(QSize(THUMB.width() + 16, THUMB.height() + 26))
        self.setFixedHeight(THUMB.height() + 26 + 2 * self.frameWidth() + 18)  # + scroll bar
        self.setSpacing(2)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.currentRowChanged.connect(self._row_changed)
        self._silent = False

    def add_photo(self, name: str) -> int:
        item = QListWidgetItem(name)
        item.setToolTip(name)
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._silent = True
        try:
            self.addItem(item)
        finally:
            self._silent = False
        return self.count() - 1

    def remove_photo(self, row: int) -> None:
        self._silent = True
        try:
            self.takeItem(row)
        finally:
            self._silent = False

    def set_thumbnail(self, row: int, image: QImage) -> None:
        item = self.item(row)
        if item is None or image.isNull():
            return
        thumb = image.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        item.setIcon(QIcon(QPixmap.fromImage(thumb)))

    def select_silently(self, row: int) -> None:
        self._silent = True
        try:
            self.setCurrentRow(row)
        finally:
            self._silent = False

    def _row_changed(self, row: int) -> None:
        if not self._silent and row >= 0:
            self.chosen.emit(row)


class ActivityBar(QWidget):
    """Message, busy indicator and Cancel button for the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel("", self)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.cancel = QToolButton(self)
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop what FaceStudio is doing")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.cancel)
        self._on_cancel: Callable[[], None] | None = None
        self.cancel.clicked.connect(self._cancel_clicked)
        self.show_idle("")

    def show_busy(self, message: str, on_cancel: Callable[[], None] | None) -> None:
        self.message.setText(message)
        self.busy.setVisible(True)
        self._on_cancel = on_cancel
        self.cancel.setVisible(on_cancel is not None)

    def show_idle(self, message: str) -> None:
        self.message.setText(message)
        self.busy.setVisible(False)
        self.cancel.setVisible(False)
        self._on_cancel = None

    def _cancel_clicked(self) -> None:
        if self._on_cancel is not None:
            self._on_cancel()
