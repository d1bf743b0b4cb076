"""The window's actions, menus and toolbar, built from the one shortcut table.

What belongs here: :func:`build_actions` (every QAction with its shortcut from
``help.SHORTCUTS``, the File/Edit/Presets/View/Help menus and the toolbar, including the hold-to-compare
button) and :func:`fill_recent_menu`. The actions call the window's public methods; nothing
here holds state of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QToolButton

from facestudio.gui.help import SHORTCUTS, AboutDialog, ShortcutsDialog
from facestudio.gui.presets_ui import fill_presets_menu

if TYPE_CHECKING:
    from facestudio.gui.main_window import MainWindow


def _action(w: MainWindow, key: str, slot: Any, *, checkable: bool = False) -> QAction:
    text, keys, tip = SHORTCUTS[key]
    action = QAction(text, w)
    action.setObjectName(f"action_{key}")
    if keys:
        action.setShortcut(QKeySequence(keys))
    action.setStatusTip(tip)
    action.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys})" if keys else tip)
    action.setCheckable(checkable)
    (action.toggled if checkable else action.triggered).connect(slot)
    w.addAction(action)  # shortcuts work whatever has focus
    w.actions_by_name[key] = action
    return action


def build_actions(w: MainWindow) -> None:
    """Create the actions, menus and toolbar of ``w`` (``w.actions_by_name`` by table key)."""
    w.actions_by_name = {}

    def a(key: str, slot: Any, *, checkable: bool = False) -> QAction:
        return _action(w, key, slot, checkable=checkable)

    a("open", w.open_dialog)
    a("export", w.export_dialog)
    a("export_all", w.export_all_dialog)
    a("save_edit", w.workflow.save_edit)
    a("close", w.close_current)
    a("quit", w.close)
    w.undo_action = w.undo_group.createUndoAction(w, "&Undo")
    w.undo_action.setShortcut(QKeySequence(SHORTCUTS["undo"][1]))
    w.redo_action = w.undo_group.createRedoAction(w, "&Redo")
    w.redo_action.setShortcuts([QKeySequence(SHORTCUTS["redo"][1]), QKeySequence("Ctrl+Y")])
    for act, short in ((w.undo_action, "Undo"), (w.redo_action, "Redo")):
        act.setIconText(short)  # the toolbar keeps a short label; the menu says what is undone
        w.addAction(act)
    w.actions_by_name["undo"], w.actions_by_name["redo"] = w.undo_action, w.redo_action
    a("reset_all", w.panel.reset_all)
    a("delete_face", w.delete_selected_face)
    a("all_faces", lambda: w.select_face(None))
    a("apply_all", w.workflow.apply_to_all)
    a("save_preset", w.workflow.save_preset_dialog)
    a("delete_preset", w.workflow.delete_preset_dialog)
    a("render_cloud", w.render_with_cloud)
    a("keys", w.keys_dialog)
    modes = QActionGroup(w)
    for key, mode in (("mode_split", "split"), ("mode_side", "side"), ("mode_after", "after")):
        act = a(key, lambda on, m=mode: on and w.canvas.set_mode(m), checkable=True)
        modes.addAction(act)
    w.actions_by_name["mode_split"].setChecked(True)
    a("landmarks", w.canvas.overlay.set_visible, checkable=True)
    w.actions_by_name["landmarks"].setChecked(w.canvas.overlay.is_visible())
    a("zoom_fit", w.canvas.zoom_fit)
    a("zoom_100", w.canvas.zoom_100)
    a("zoom_in", lambda: w.canvas.zoom_by(1.25))
    w.actions_by_name["zoom_in"].setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
    a("zoom_out", lambda: w.canvas.zoom_by(0.8))
    a("next_photo", lambda: w.step_photo(1))
    a("prev_photo", lambda: w.step_photo(-1))
    a("shortcuts", lambda: ShortcutsDialog(w).exec())
    about = QAction("&About FaceStudio", w)
    about.triggered.connect(lambda: AboutDialog(w).exec())

    mb = w.menuBar()
    m = mb.addMenu("&File")
    m.addAction(w.actions_by_name["open"])
    w.recent_menu = m.addMenu("Open &Recent")
    w.recent_menu.aboutToShow.connect(lambda: fill_recent_menu(w))
    for key in ("save_edit", None, "export", "export_all", None, "render_cloud", "keys", None,
                "close", "quit"):
        m.addSeparator() if key is None else m.addAction(w.actions_by_name[key])
    m = mb.addMenu("&Edit")
    for key in ("undo", "redo", None, "reset_all", "all_faces", "delete_face", None, "apply_all"):
        m.addSeparator() if key is None else m.addAction(w.actions_by_name[key])
    m = mb.addMenu("&Presets")
    w.presets_menu = m.addMenu("&Apply preset")
    w.presets_menu.aboutToShow.connect(lambda: fill_presets_menu(w.presets_menu, w.workflow))
    fill_presets_menu(w.presets_menu, w.workflow)
    m.addSeparator()
    m.addAction(w.actions_by_name["save_preset"])
    m.addAction(w.actions_by_name["delete_preset"])
    m = mb.addMenu("&View")
    for key in ("mode_split", "mode_side", "mode_after", None, "landmarks", None, "zoom_fit",
                "zoom_100", "zoom_in", "zoom_out", None, "next_photo", "prev_photo"):
        m.addSeparator() if key is None else m.addAction(w.actions_by_name[key])
    m = mb.addMenu("&Help")
    m.addAction(w.actions_by_name["shortcuts"])
    m.addAction(about)

    tb = w.addToolBar("Main")
    tb.setObjectName("main_toolbar")
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for key in ("open", "export", None, "undo", "redo", None, "mode_split", "mode_side", "mode_after"):
        tb.addSeparator() if key is None else tb.addAction(w.actions_by_name[key])
    w.compare_button = QToolButton(w)
    w.compare_button.setText("Before")
    w.compare_button.setToolTip("Hold to see the original (or hold \\)")
    w.compare_button.pressed.connect(lambda: w.canvas.set_holding(True))
    w.compare_button.released.connect(lambda: w.canvas.set_holding(False))
    tb.addWidget(w.compare_button)
    tb.addSeparator()
    for key in ("zoom_fit", "zoom_100", None, "landmarks"):
        tb.addSeparator() if key is None else tb.addAction(w.actions_by_name[key])
    w.actions_by_name["zoom_fit"].setIconText("Fit")
    w.actions_by_name["zoom_100"].setIconText("100 %")
    w.actions_by_name["landmarks"].setIconText("Landmarks")
    w.actions_by_name["mode_after"].setIconText("Result")


def fill_recent_menu(w: MainWindow) -> None:
    """Rebuild File > Open Recent from the settings (files that still exist)."""
    menu = w.recent_menu
    menu.clear()
    recent = [p for p in w.settings.recent_files if Path(p).exists()]
    for p in recent:
        act = menu.addAction(Path(p).name)
        act.setToolTip(p)
        act.triggered.connect(lambda _=False, path=p: w.open_paths([path]))
    if not recent:
        menu.addAction("No recent photos").setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction("Clear list", w.settings.recent_files.clear)
