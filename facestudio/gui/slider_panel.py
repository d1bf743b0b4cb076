"""The parameter panel: one slider + number box + reset button per retouch parameter.

What belongs here: :class:`SliderPanel`, built from ``core.params.PARAMETERS`` (so a parameter
added to the core shows up here without GUI code), laid out as collapsible sections in a
``QToolBox`` ("Beautify" now; filters, reshape parts, smart beauty and the cloud backend are
added later with :meth:`SliderPanel.add_section`). The panel holds a frozen
:class:`RetouchParams` and emits a new one (``dataclasses.replace``) on every change; it knows
nothing of rendering or undo. :meth:`SliderPanel.set_params` updates the widgets silently
(that is how undo, redo and switching photos write back into the panel).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from facestudio.core.params import PARAMETERS, ParamSpec, RetouchParams


class ParamRow:
    """The widgets of one parameter (label, slider, number box, reset)."""

    def __init__(self, spec: ParamSpec, parent: QWidget) -> None:
        self.spec = spec
        self.label = QLabel(spec.label, parent)
        self.label.setToolTip(spec.help)
        self.slider = QSlider(Qt.Orientation.Horizontal, parent)
        self.slider.setRange(spec.minimum, spec.maximum)
        self.slider.setPageStep(10)
        self.slider.setToolTip(spec.help)
        self.slider.setObjectName(f"slider_{spec.name}")
        self.spin = QSpinBox(parent)
        self.spin.setRange(spec.minimum, spec.maximum)
        self.spin.setObjectName(f"spin_{spec.name}")
        self.spin.setAccessibleName(spec.label)
        self.reset = QToolButton(parent)
        self.reset.setText("↺")
        self.reset.setToolTip(f"Reset {spec.label.lower()} to {spec.default}")
        self.reset.setAutoRaise(True)


class SliderPanel(QWidget):
    """Sliders for :data:`PARAMETERS`, grouped in collapsible sections.

    Signals
    -------
    paramsChanged(RetouchParams)
        After every user change (slider move, typed number, reset).
    editFinished(str)
        The user let go of a slider or finished typing: the parameter name, or ``"*"`` after
        "Reset all". The window uses it to close an undo merge and render at full quality.
    """

    paramsChanged = Signal(object)
    editFinished = Signal(str)

    def __init__(self, params: RetouchParams | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._params = params or RetouchParams()
        self._silent = False
        self.rows: dict[str, ParamRow] = {}

        self.toolbox = QToolBox(self)
        beautify = QWidget()
        grid = QGridLayout(beautify)
        grid.setColumnStretch(1, 1)
        for r, spec in enumerate(PARAMETERS):
            row = ParamRow(spec, beautify)
            self.rows[spec.name] = row
            if not hasattr(self, spec.name):  # ``panel.smoothing.setValue(40)`` as in the spec
                setattr(self, spec.name, row.slider)
            grid.addWidget(row.label, 2 * r, 0, 1, 3)
            grid.addWidget(row.slider, 2 * r + 1, 0, 1, 2)
            grid.addWidget(row.spin, 2 * r + 1, 2)
            grid.addWidget(row.reset, 2 * r + 1, 3)
            row.slider.valueChanged.connect(lambda v, n=spec.name: self._on_value(n, v))
            row.spin.valueChanged.connect(lambda v, n=spec.name: self._on_value(n, v))
            row.slider.sliderReleased.connect(lambda n=spec.name: self.editFinished.emit(n))
            row.spin.editingFinished.connect(lambda n=spec.name: self.editFinished.emit(n))
            row.reset.clicked.connect(lambda _=False, n=spec.name: self.reset(n))
        self.reset_all_button = QPushButton("Reset all", beautify)
        self.reset_all_button.setToolTip("Every beautify slider back to its default")
        self.reset_all_button.clicked.connect(self.reset_all)
        grid.addWidget(self.reset_all_button, 2 * len(PARAMETERS), 0, 1, 4)
        grid.setRowStretch(2 * len(PARAMETERS) + 1, 1)
        self.toolbox.addItem(beautify, "Beautify")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbox)
        self.set_params(self._params)

    def add_section(self, widget: QWidget, title: str) -> int:
        """Append a collapsible section (filters, reshape, cloud backend ...); returns its index."""
        return self.toolbox.addItem(widget, title)

    def params(self) -> RetouchParams:
        return self._params

    def set_params(self, params: RetouchParams) -> None:
        """Show ``params`` without emitting :attr:`paramsChanged` (undo, photo switch)."""
        self._params = params
        self._silent = True
        try:
            for name, row in self.rows.items():
                value = int(getattr(params, name))
                row.slider.setValue(value)
                row.spin.setValue(value)
        finally:
            self._silent = False

    def reset(self, name: str) -> None:
        """One parameter back to its default."""
        self._on_value(name, next(p.default for p in PARAMETERS if p.name == name))
        self.editFinished.emit(name)

    def reset_all(self) -> None:
        defaults = RetouchParams()
        changes = {p.name: getattr(defaults, p.name) for p in PARAMETERS}
        new = self._params.replace(**changes)
        if new != self._params:
            self.set_params(new)
            self.paramsChanged.emit(new)
        self.editFinished.emit("*")

    def _on_value(self, name: str, value: int) -> None:
        if self._silent:
            return
        row = self.rows[name]
        self._silent = True
        try:  # keep the slider and the number box in step
            row.slider.setValue(value)
            row.spin.setValue(value)
        finally:
            self._silent = False
        if getattr(self._params, name) == value:
            return
        self._params = self._params.replace(**{name: value})
        self.paramsChanged.emit(self._params)
