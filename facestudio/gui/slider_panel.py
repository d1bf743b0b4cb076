"""The parameter panel: sliders for every retouch parameter, and who they edit.

What belongs here: :class:`SliderPanel`, built from ``core.params`` (``PARAMETERS``,
``PRO_PARAMETERS``, ``RESHAPE_PARTS``: a parameter added to the core shows up here without GUI
code), laid out as collapsible sections in a ``QToolBox``: "Beautify", "Pro", "Reshape" (22
signed sliders in a scroll area), "Filters" and "Smart beauty" (widgets from ``sections``);
the window adds more with :meth:`SliderPanel.add_section`. Above the sections, the face bar says
what the sliders edit: every face, or one face alone ("Face N only": the sliders then write that
face's own settings, ``RetouchParams.with_override``, and the other faces keep the all-faces
values), which faces have their own settings, and clears them.

The panel holds a frozen :class:`RetouchParams` and emits a new one on every change; it knows
nothing of rendering or undo. :meth:`SliderPanel.set_params` updates the widgets silently (that
is how undo, redo and switching photos write back into the panel). The filter is global: it is
always the top-level value, whichever face the sliders edit.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from facestudio.core.params import (
    PARAMETERS,
    PRO_PARAMETERS,
    RESHAPE_PARTS,
    SLIDER_BY_NAME,
    ParamSpec,
    RetouchParams,
)
from facestudio.gui.sections import FilterPanel, SmartPanel

#: the reshape parts as slider specs ("reshape.<part>"), signed, centred at 0
RESHAPE_SPECS: tuple[ParamSpec, ...] = tuple(
    ParamSpec(f"reshape.{name}", label, -100, 100, 0,
              f"{label}: positive values apply it, negative values do the opposite")
    for name, label in RESHAPE_PARTS)
FILTER_STRENGTH = ParamSpec("filter_strength", "Filter strength", 0, 100, 100,
                            "How strongly the chosen filter applies (0: not at all)")


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
        if spec.minimum < 0 < spec.maximum:  # signed: mark the centre
            self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
            self.slider.setTickInterval(spec.maximum)
        self.spin = QSpinBox(parent)
        self.spin.setRange(spec.minimum, spec.maximum)
        self.spin.setObjectName(f"spin_{spec.name}")
        self.spin.setAccessibleName(spec.label)
        self.reset = QToolButton(parent)
        self.reset.setText("↺")
        self.reset.setToolTip(f"Reset {spec.label.lower()} to {spec.default}")
        self.reset.setAutoRaise(True)

    def place(self, grid: QGridLayout, r: int) -> None:
        grid.addWidget(self.label, 2 * r, 0, 1, 3)
        grid.addWidget(self.slider, 2 * r + 1, 0, 1, 2)
        grid.addWidget(self.spin, 2 * r + 1, 2)
        grid.addWidget(self.reset, 2 * r + 1, 3)

    def show_value(self, value: int) -> None:
        self.slider.setValue(value)
        self.spin.setValue(value)


class SliderPanel(QWidget):
    """Sliders for every parameter, grouped in collapsible sections, with the face bar.

    Signals
    -------
    paramsChanged(RetouchParams)
        After every user change (slider move, typed number, reset, filter, cleared override).
    editFinished(str)
        The user let go of a slider or finished typing: the parameter name, or ``"*"`` after a
        reset of several. The window uses it to close an undo merge and render at full quality.
    faceChosen(object)
        The face bar's choice: a face index ("Face N only") or None ("All faces").
    smartRequested(float, bool)
        "Apply" in Smart beauty: level 0-1 and whether every face (True) or the largest only.
    """

    paramsChanged = Signal(object)
    editFinished = Signal(str)
    faceChosen = Signal(object)
    smartRequested = Signal(float, bool)

    def __init__(self, params: RetouchParams | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._params = params or RetouchParams()
        self._silent = False
        self._face_count: int | None = None  # unknown until the window says
        self._last_face: int | None = None
        self.rows: dict[str, ParamRow] = {}  # sliders of RetouchParams fields, by name
        self.reshape_rows: dict[str, ParamRow] = {}  # by part name

        self.toolbox = QToolBox(self)
        self.toolbox.setObjectName("sections")
        beautify, grid = self._page()
        self._add_rows(grid, PARAMETERS, beautify)
        self.reset_all_button = QPushButton("Reset all", beautify)
        self.reset_all_button.setToolTip("Every beautify, pro and reshape slider back to its default "
                                         "(for the face being edited)")
        self.reset_all_button.clicked.connect(self.reset_all)
        self._finish_page(grid, len(PARAMETERS), self.reset_all_button)
        self.toolbox.addItem(beautify, "Beautify")

        pro, grid = self._page()
        self._add_rows(grid, PRO_PARAMETERS, pro)
        reset_pro = QPushButton("Reset pro", pro)
        reset_pro.clicked.connect(lambda: self._reset_many([p.name for p in PRO_PARAMETERS]))
        self._finish_page(grid, len(PRO_PARAMETERS), reset_pro)
        self.toolbox.addItem(pro, "Pro")
        for spec in PARAMETERS + PRO_PARAMETERS:
            if not hasattr(self, spec.name):  # ``panel.smoothing.setValue(40)`` as in the spec
                setattr(self, spec.name, self.rows[spec.name].slider)

        self.toolbox.addItem(self._reshape_page(), "Reshape")
        self.filters = FilterPanel(ParamRow(FILTER_STRENGTH, self), self)
        self.rows[FILTER_STRENGTH.name] = self.filters.strength
        self._connect_row(self.filters.strength)
        self.filters.chosen.connect(self._on_filter)
        self.toolbox.addItem(self.filters, "Filters")
        self.smart = SmartPanel(self)
        self.smart.applyRequested.connect(self.smartRequested)
        self.toolbox.addItem(self.smart, "Smart beauty")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._face_bar())
        layout.addWidget(self.toolbox, 1)
        self.set_params(self._params)

    # -- building --------------------------------------------------------------------------------
    @staticmethod
    def _page() -> tuple[QWidget, QGridLayout]:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setColumnStretch(1, 1)
        return page, grid

    @staticmethod
    def _finish_page(grid: QGridLayout, n: int, button: QPushButton) -> None:
        grid.addWidget(button, 2 * n, 0, 1, 4)
        grid.setRowStretch(2 * n + 1, 1)

    def _add_rows(self, grid: QGridLayout, specs: Iterable[ParamSpec], parent: QWidget,
                  store: dict[str, ParamRow] | None = None) -> None:
        for r, spec in enumerate(specs):
            row = ParamRow(spec, parent)
            (self.rows if store is None else store)[spec.name.removeprefix("reshape.")] = row
            row.place(grid, r)
            self._connect_row(row)

    def _connect_row(self, row: ParamRow) -> None:
        name = row.spec.name
        row.slider.valueChanged.connect(lambda v, n=name: self._on_value(n, v))
        row.spin.valueChanged.connect(lambda v, n=name: self._on_value(n, v))
        row.slider.sliderReleased.connect(lambda n=name: self.editFinished.emit(n))
        row.spin.editingFinished.connect(lambda n=name: self.editFinished.emit(n))
        row.reset.clicked.connect(lambda _=False, n=name: self.reset(n))

    def _reshape_page(self) -> QWidget:
        inner, grid = self._page()
        self._add_rows(grid, RESHAPE_SPECS, inner, self.reshape_rows)
        grid.setRowStretch(2 * len(RESHAPE_SPECS), 1)
        scroll = QScrollArea()
        scroll.setObjectName("reshape_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        note = QLabel("Landmark-driven warps; the background stays put. Negative values do the "
                      "opposite.", page)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(scroll, 1)
        self.reset_reshape_button = QPushButton("Reset reshape", page)
        self.reset_reshape_button.setToolTip("All 22 parts back to 0")
        self.reset_reshape_button.clicked.connect(
            lambda: self._reset_many([s.name for s in RESHAPE_SPECS]))
        layout.addWidget(self.reset_reshape_button)
        return page

    def _face_bar(self) -> QWidget:
        bar = QFrame(self)
        bar.setObjectName("face_bar")
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(bar)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.addWidget(QLabel("<b>Sliders edit:</b>", bar), 0, 0, 1, 2)
        self.all_faces_radio = QRadioButton("All faces", bar)
        self.all_faces_radio.setObjectName("edit_all_faces")
        self.one_face_radio = QRadioButton("One face only", bar)
        self.one_face_radio.setObjectName("edit_one_face")
        self.one_face_radio.setToolTip("Click a face in the photo to edit it alone: the sliders then "
                                       "set that face's own settings")
        group = QButtonGroup(bar)
        group.addButton(self.all_faces_radio)
        group.addButton(self.one_face_radio)
        self.all_faces_radio.clicked.connect(lambda: self.faceChosen.emit(None))
        self.one_face_radio.clicked.connect(lambda: self._last_face is not None
                                            and self.faceChosen.emit(self._last_face))
        grid.addWidget(self.all_faces_radio, 1, 0)
        grid.addWidget(self.one_face_radio, 1, 1)
        self.override_note = QLabel("", bar)
        self.override_note.setObjectName("override_note")
        self.override_note.setWordWrap(True)
        grid.addWidget(self.override_note, 2, 0, 1, 2)
        self.clear_override_button = QPushButton("Clear face override", bar)
        self.clear_override_button.setObjectName("clear_override")
        self.clear_override_button.clicked.connect(self.clear_override)
        grid.addWidget(self.clear_override_button, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        return bar

    # -- public ----------------------------------------------------------------------------------
    def add_section(self, widget: QWidget, title: str) -> int:
        """Append a collapsible section (engine, presets, faces ...); returns its index."""
        return self.toolbox.addItem(widget, title)

    def show_section(self, title: str) -> bool:
        """Open the section called ``title``; False if there is none."""
        for i in range(self.toolbox.count()):
            if self.toolbox.itemText(i) == title:
                self.toolbox.setCurrentIndex(i)
                return True
        return False

    def params(self) -> RetouchParams:
        return self._params

    def target(self) -> int | None:
        """The face the sliders edit alone, or None for every face."""
        return self._params.face

    def shown(self) -> RetouchParams:
        """The values the sliders show: the edited face's own settings, or the all-faces ones."""
        t = self.target()
        return self._params if t is None else self._params.for_face(t)

    def set_face_count(self, n: int | None) -> None:
        """How many faces the photo has (None: no photo); enables the face bar."""
        self._face_count = n
        if n is not None and self._last_face is not None and self._last_face >= n:
            self._last_face = None
        self._update_face_bar()

    def set_params(self, params: RetouchParams) -> None:
        """Show ``params`` without emitting :attr:`paramsChanged` (undo, photo switch)."""
        self._params = params
        if params.face is not None:
            self._last_face = params.face
        shown = self.shown()
        self._silent = True
        try:
            for name, row in self.rows.items():
                row.show_value(int(getattr(params if name == FILTER_STRENGTH.name else shown, name)))
            for name, row in self.reshape_rows.items():
                row.show_value(int(shown.part(name)))
            self.filters.show_filter(params.filter_id)
        finally:
            self._silent = False
        self._update_face_bar()

    def reset(self, name: str) -> None:
        """One parameter back to its default."""
        if name.startswith("reshape."):
            default = 0
        elif name == FILTER_STRENGTH.name:
            default = FILTER_STRENGTH.default
        else:
            default = SLIDER_BY_NAME[name].default
        self._on_value(name, default)
        self.editFinished.emit(name)

    def reset_all(self) -> None:
        """Every beautify, pro and reshape slider back to its default (the filter stays)."""
        self._reset_many([p.name for p in PARAMETERS + PRO_PARAMETERS] + [s.name for s in RESHAPE_SPECS])

    def clear_override(self) -> None:
        """The edited face back to the all-faces settings; with every face edited, all of them."""
        t = self.target()
        if t is not None:
            new = self._params.with_override(t, None)
        else:
            new = self._params.replace(overrides=())
        if new != self._params:
            self.set_params(new)
            self.paramsChanged.emit(new)
        self.editFinished.emit("*")

    # -- changes ---------------------------------------------------------------------------------
    def _with_values(self, changes: dict[str, int]) -> RetouchParams:
        """``self._params`` with slider values changed for the edited face (or every face)."""
        shown = self.shown()
        fields = {k: v for k, v in changes.items() if not k.startswith("reshape.") and k != FILTER_STRENGTH.name}
        reshape = list(shown.reshape)
        for k, v in changes.items():
            if k.startswith("reshape."):
                reshape[[s.name for s in RESHAPE_SPECS].index(k)] = v
        edited = shown.replace(**fields, reshape=tuple(reshape))
        t = self.target()
        if edited == shown:
            new = self._params
        elif t is None:
            new = edited
        else:
            new = self._params.with_override(t, edited)
        if FILTER_STRENGTH.name in changes:
            new = new.replace(filter_strength=changes[FILTER_STRENGTH.name])
        return new

    def _reset_many(self, names: list[str]) -> None:
        defaults = {}
        for name in names:
            if name.startswith("reshape."):
                defaults[name] = 0
            else:
                defaults[name] = SLIDER_BY_NAME[name].default
        new = self._with_values(defaults)
        if new != self._params:
            self.set_params(new)
            self.paramsChanged.emit(new)
        self.editFinished.emit("*")

    def _row(self, name: str) -> ParamRow:
        return self.reshape_rows[name[8:]] if name.startswith("reshape.") else self.rows[name]

    def _current(self, name: str) -> int:
        if name.startswith("reshape."):
            return self.shown().part(name[8:])
        if name == FILTER_STRENGTH.name:
            return self._params.filter_strength
        return getattr(self.shown(), name)

    def _on_value(self, name: str, value: int) -> None:
        if self._silent:
            return
        row = self._row(name)
        self._silent = True
        try:  # keep the slider and the number box in step
            row.show_value(value)
        finally:
            self._silent = False
        if self._current(name) == value:
            return
        self._params = self._with_values({name: value})
        self._update_face_bar()
        self.paramsChanged.emit(self._params)

    def _on_filter(self, filter_id: int | None) -> None:
        if self._silent or filter_id == self._params.filter_id:
            return
        self._params = self._params.replace(filter_id=filter_id)
        self.paramsChanged.emit(self._params)
        self.editFinished.emit("filter_id")

    def _update_face_bar(self) -> None:
        t = self.target()
        n = self._face_count
        last = t if t is not None else self._last_face
        self.one_face_radio.setText(f"Face {last + 1} only" if last is not None else "One face only")
        self.one_face_radio.setEnabled(last is not None and (n is None or last < n))
        self.all_faces_radio.setEnabled(n is None or n > 0)
        (self.all_faces_radio if t is None else self.one_face_radio).setChecked(True)
        own = [i for i, _ in self._params.overrides if n is None or i < n]
        if own:
            names = ", ".join(str(i + 1) for i in own)
            text = f"Own settings: face{'s' if len(own) > 1 else ''} {names}."
            if t is None:
                text += (" The sliders do not change " + ("them." if len(own) > 1 else "it."))
        else:
            text = "No face has its own settings." if n else ""
        if t is not None and t not in dict(self._params.overrides):
            text += f" Moving a slider gives face {t + 1} its own settings."
        self.override_note.setText(text.strip())
        has = (t in dict(self._params.overrides)) if t is not None else bool(own)
        self.clear_override_button.setText(f"Clear face {t + 1}'s settings" if t is not None
                                           else "Clear every face's own settings")
        self.clear_override_button.setEnabled(has)
        self.clear_override_button.setVisible(bool(own) or t is not None)
