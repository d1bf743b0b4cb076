"""The desktop app (PySide6 on a qasync event loop): the only package of FaceStudio that imports Qt.

Entry point: :func:`facestudio.gui.app.main`. Pixels come from ``facestudio.core`` in worker
threads; see ``main_window`` for how the pieces (canvas, overlay, slider panel, render
controller, export dialog) are wired.
"""
