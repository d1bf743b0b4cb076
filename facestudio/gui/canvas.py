"""The photo view: before/after comparison, zoom and pan, with the landmark overlay on top.

What belongs here: :class:`ImageCanvas`, a painted QWidget that shows a photo through a view
transform (a scale and the full-resolution point at the centre of the view). It paints the
preview-sized before/after images and, when zoomed in past the preview's resolution, a
full-resolution "detail" tile of the visible region that the render controller produced. It
knows nothing about rendering: it says what is visible (:meth:`ImageCanvas.visible_region`) and
emits :attr:`ImageCanvas.viewChanged`; the window asks for pixels.

Compare modes: ``"split"`` (before left of a draggable line, after right), ``"side"`` (two panes
showing the same region), ``"after"`` (result only); and hold-to-compare (:meth:`set_holding`)
shows the original while held. Zoom is expressed in *device* pixels per photo pixel, so 100 %
is one photo pixel per physical screen pixel on a high-DPI screen too (``devicePixelRatioF``).

Mouse: drag to pan, wheel to zoom, click a face to pick it; with the landmarks shown, a press
within :data:`POINT_GRAB_PX` screen pixels of a point drags that point (the overlay draws it
where the mouse is) and the release emits :attr:`ImageCanvas.landmarkMoved` with its new place
in full-resolution photo pixels; the window makes that an undoable edit of the faces.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from facestudio.core.faceshape import FaceAnalysis
from facestudio.gui.overlay import LandmarkOverlay

MODES = ("split", "side", "after")
MIN_ZOOM, MAX_ZOOM = 0.02, 16.0  # device pixels per photo pixel
SPLIT_GRAB_PX = 8  # how near the split line a press grabs it (logical px)
CLICK_SLOP_PX = 4
POINT_GRAB_PX = 6.0  # how near a landmark a press grabs it (logical px, the same at any zoom)


class ImageCanvas(QWidget):
    """Paints a photo with before/after comparison, zoom, pan and the landmark overlay.

    Signals
    -------
    splitChanged(float)
        The split line moved (fraction of the view width, 0-1).
    viewChanged()
        Zoom, pan or size changed (the window may request a full-resolution region).
    zoomChanged(float)
        New zoom in percent (device pixels per photo pixel x 100).
    faceClicked(object)
        A click (not a drag) on the photo: the face index under it, or None.
    landmarkMoved(int, int, float, float)
        A landmark was dragged: face index, point index (0-89), and its new x, y in
        full-resolution photo pixels.
    """

    splitChanged = Signal(float)
    viewChanged = Signal()
    zoomChanged = Signal(float)
    faceClicked = Signal(object)
    landmarkMoved = Signal(int, int, float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.overlay = LandmarkOverlay(self)
        self.overlay.changed.connect(self.update)
        self.overlay.dragChanged.connect(self.update)
        self._full_size: QSize | None = None
        self._before: QImage | None = None
        self._after: QImage | None = None
        self._detail: tuple[QRectF, QImage | None, QImage | None] | None = None
        self._mode = "split"
        self._split = 0.5
        self._holding = False
        self._scale = 1.0  # logical widget pixels per photo pixel
        self._center = QPointF(0.0, 0.0)  # photo point at the centre of each pane
        self._fit = True
        self._drag: str | None = None  # "split" | "pan" | "point"
        # the landmark in hand: face, point, where it was, and the faces it belongs to
        self._grabbed: tuple[int, int, QPointF, FaceAnalysis] | None = None
        self._press_pos = QPointF()
        self._last_pos = QPointF()
        self._moved = False
        self.placeholder = "Open a photo (Ctrl+O) or drop one here"

    # -- content ---------------------------------------------------------------------------------
    def set_photo(self, before: QImage | None, full_size: tuple[int, int] | None,
                  *, keep_view: bool = False) -> None:
        """A new photo (``before`` at preview size); the result is the same until set_after."""
        self._before = self._after = before
        self._detail = None
        new_size = QSize(*full_size) if full_size else None
        if not (keep_view and new_size == self._full_size):
            self._full_size = new_size
            self._fit = True
            self._apply_fit()
        self.update()

    def set_before(self, before: QImage) -> None:
        """A sharper preview of the same photo (the full decode replaced a draft)."""
        same = self._after is self._before
        self._before = before
        if same:
            self._after = before
        self.update()

    def set_after(self, after: QImage) -> None:
        self._after = after
        self.update()

    def set_detail(self, region: tuple[int, int, int, int], before: QImage | None,
                   after: QImage | None) -> None:
        """A full-resolution tile: ``region`` (x, y, w, h) of the photo, images at any scale."""
        x, y, w, h = region
        self._detail = (QRectF(x, y, w, h), before, after)
        self.update()

    def clear_detail(self, *, after_only: bool = False) -> None:
        """Forget the full-resolution tile (``after_only``: keep the original's, still valid)."""
        if self._detail is None:
            return
        region, before, _after = self._detail
        self._detail = (region, before, None) if after_only and before is not None else None
        self.update()

    def has_photo(self) -> bool:
        return self._full_size is not None and self._before is not None

    def full_size(self) -> tuple[int, int] | None:
        return (self._full_size.width(), self._full_size.height()) if self._full_size else None

    # -- compare ---------------------------------------------------------------------------------
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown compare mode {mode!r}")
        if mode != self._mode:
            self._mode = mode
            if self._fit:
                self._apply_fit()
            self.update()
            self.viewChanged.emit()

    def split(self) -> float:
        return self._split

    def set_split(self, fraction: float) -> None:
        fraction = float(min(1.0, max(0.0, fraction)))
        if fraction != self._split:
            self._split = fraction
            self.update()
            self.splitChanged.emit(fraction)

    def split_x(self) -> float:
        """The split line's x in widget (logical) coordinates."""
        return self._split * self.width()

    def holding(self) -> bool:
        return self._holding

    def set_holding(self, on: bool) -> None:
        """Hold-to-compare: show the original while ``on``."""
        if on != self._holding:
            self._holding = on
            self.update()

    # -- view ------------------------------------------------------------------------------------
    def dpr(self) -> float:
        return self.devicePixelRatioF() or 1.0

    def zoom(self) -> float:
        """Device pixels per photo pixel (1.0 is 100 %)."""
        return self._scale * self.dpr()

    def is_fit(self) -> bool:
        return self._fit

    def panes(self) -> list[QRectF]:
        r = QRectF(self.rect())
        if self._mode == "side" and not self._holding:
            half = r.width() / 2
            return [QRectF(r.left(), r.top(), half, r.height()),
                    QRectF(r.left() + half, r.top(), r.width() - half, r.height())]
        return [r]

    def _pane_size(self) -> tuple[float, float]:
        r = QRectF(self.rect())
        w = r.width() / 2 if self._mode == "side" else r.width()
        return w, r.height()

    def fit_scale(self) -> float:
        if self._full_size is None:
            return 1.0
        pw, ph = self._pane_size()
        margin = 8.0
        return max(1e-4, min((pw - margin) / self._full_size.width(),
                             (ph - margin) / self._full_size.height()))

    def _apply_fit(self) -> None:
        if self._full_size is None:
            return
        self._scale = self.fit_scale()
        self._center = QPointF(self._full_size.width() / 2, self._full_size.height() / 2)

    def zoom_fit(self) -> None:
        self._fit = True
        self._apply_fit()
        self._view_changed()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` device pixels per photo pixel, keeping the photo point under
        ``anchor`` (widget coordinates; default the pane centre) where it is."""
        if self._full_size is None:
            return
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        pane = self._pane_at(anchor) if anchor is not None else self.panes()[0]
        anchor = anchor if anchor is not None else pane.center()
        img_pt = self.widget_to_image(anchor, pane)
        self._scale = zoom / self.dpr()
        self._center = img_pt - (anchor - pane.center()) / self._scale
        self._fit = False
        self._clamp_center()
        self._view_changed()

    def zoom_100(self) -> None:
        self.set_zoom(1.0)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom() * factor, anchor)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the photo by (dx, dy) widget pixels."""
        self._center -= QPointF(dx, dy) / self._scale
        self._fit = False
        self._clamp_center()
        self._view_changed()

    def center_on(self, x: float, y: float) -> None:
        """Put the photo point (x, y) at the centre of the view."""
        self._center = QPointF(x, y)
        self._fit = False
        self._clamp_center()
        self._view_changed()

    def center(self) -> QPointF:
        return QPointF(self._center)

    def _clamp_center(self) -> None:
        if self._full_size is None:
            return
        w, h = self._full_size.width(), self._full_size.height()
        self._center = QPointF(min(max(self._center.x(), 0.0), float(w)),
                               min(max(self._center.y(), 0.0), float(h)))

    def _view_changed(self) -> None:
        self.update()
        self.viewChanged.emit()
        self.zoomChanged.emit(self.zoom() * 100.0)

    def _pane_at(self, pos: QPointF) -> QRectF:
        for pane in self.panes():
            if pane.contains(pos):
                return pane
        return self.panes()[0]

    def image_to_widget(self, pt: QPointF, pane: QRectF | None = None) -> QPointF:
        pane = pane or self.panes()[0]
        return pane.center() + (pt - self._center) * self._scale

    def widget_to_image(self, pos: QPointF, pane: QRectF | None = None) -> QPointF:
        pane = pane or self._pane_at(pos)
        return self._center + (pos - pane.center()) / self._scale

    def image_rect_in(self, pane: QRectF) -> QRectF:
        """Where the whole photo lands in ``pane`` (widget coordinates)."""
        assert self._full_size is not None
        tl = self.image_to_widget(QPointF(0, 0), pane)
        return QRectF(tl.x(), tl.y(), self._full_size.width() * self._scale,
                      self._full_size.height() * self._scale)

    def visible_region(self) -> tuple[int, int, int, int] | None:
        """The part of the photo on screen, (x, y, w, h) in full-resolution pixels."""
        if self._full_size is None:
            return None
        pane = self.panes()[0]
        tl = self.widget_to_image(pane.topLeft(), pane)
        br = self.widget_to_image(pane.bottomRight(), pane)
        x0, y0 = max(0, int(np.floor(tl.x()))), max(0, int(np.floor(tl.y())))
        x1 = min(self._full_size.width(), int(np.ceil(br.x())))
        y1 = min(self._full_size.height(), int(np.ceil(br.y())))
        if x1 <= x0 or y1 <= y0:
            return None
        return x0, y0, x1 - x0, y1 - y0

    # -- painting --------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(self.backgroundRole()).darker(180))
        if not self.has_photo():
            p.setPen(QColor(200, 200, 200))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            p.end()
            return
        panes = self.panes()
        if self._holding:
            self._paint_photo(p, panes[0], "before")
            self._paint_label(p, panes[0], "Before (original)", left=True)
        elif self._mode == "side":
            self._paint_photo(p, panes[0], "before")
            self._paint_photo(p, panes[1], "after")
            self._paint_label(p, panes[0], "Before", left=True)
            self._paint_label(p, panes[1], "After", left=True)
            p.setPen(QPen(QColor(20, 20, 20), 2))
            p.drawLine(panes[1].topLeft(), panes[1].bottomLeft())
        elif self._mode == "split":
            pane = panes[0]
            sx = self.split_x()
            self._paint_photo(p, QRectF(sx, pane.top(), pane.right() - sx, pane.height()), "after", pane)
            self._paint_photo(p, QRectF(pane.left(), pane.top(), sx - pane.left(), pane.height()),
                              "before", pane)
            self._paint_split_line(p, sx)
            self._paint_label(p, pane, "Before", left=True)
            self._paint_label(p, pane, "After", left=False)
        else:
            self._paint_photo(p, panes[0], "after")
        for pane in (panes if not self._holding else panes[:1]):
            p.save()
            p.setClipRect(pane)
            self.overlay.paint(p, self._mapper(pane), self._scale)
            p.restore()
        p.end()

    def _mapper(self, pane: QRectF) -> Callable[[np.ndarray], np.ndarray]:
        c = np.array([self._center.x(), self._center.y()])
        pc = np.array([pane.center().x(), pane.center().y()])
        s = self._scale
        return lambda pts: pc + (np.asarray(pts, dtype=np.float64) - c) * s

    def _paint_photo(self, p: QPainter, clip: QRectF, which: str, pane: QRectF | None = None) -> None:
        """Paint the ``which`` image into ``clip``, laid out as in ``pane`` (default ``clip``)."""
        if clip.width() <= 0 or clip.height() <= 0:
            return
        pane = pane or clip
        image = self._before if which == "before" else self._after
        if image is None or self._full_size is None:
            return
        p.save()
        p.setClipRect(clip)
        target = self.image_rect_in(pane)
        visible = target.intersected(clip)
        if not visible.isEmpty():
            zoom = self.zoom()
            fw = self._full_size.width()
            k = image.width() / fw  # image pixels per photo pixel
            # filter when scaling (fit on a small photo looks better smooth), or when a low-res
            # preview stands in for missing detail; from 200 % on, show crisp photo pixels
            self._draw_part(p, image, target, visible, k, smooth=zoom / k < 2.0 or k < 0.999)
            if self._detail is not None:
                region, d_before, d_after = self._detail
                tile = d_before if which == "before" else d_after
                if tile is not None:
                    tl = self.image_to_widget(region.topLeft(), pane)
                    d_target = QRectF(tl.x(), tl.y(), region.width() * self._scale,
                                      region.height() * self._scale)
                    d_visible = d_target.intersected(clip)
                    if not d_visible.isEmpty():
                        kd = tile.width() / region.width()
                        self._draw_part(p, tile, d_target, d_visible, kd, smooth=zoom / kd < 2.0)
        p.restore()

    def _draw_part(self, p: QPainter, image: QImage, target: QRectF, visible: QRectF,
                   k: float, *, smooth: bool) -> None:
        """Draw only the part of ``image`` (covering ``target``) that falls in ``visible``.

        Passing the source sub-rectangle keeps Qt from transforming the whole image when
        zoomed in; ``smooth`` filters when the image is scaled down or is a low-res stand-in,
        while pixels are shown crisp (nearest) when zoomed in on real detail.
        """
        sx = image.width() / target.width()
        sy = image.height() / target.height()
        src = QRectF((visible.left() - target.left()) * sx, (visible.top() - target.top()) * sy,
                     visible.width() * sx, visible.height() * sy)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        p.drawImage(visible, image, src)

    def _paint_split_line(self, p: QPainter, x: float) -> None:
        h = float(self.height())
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 0, 0, 120), 3))
        p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.setPen(QPen(QColor(255, 255, 255), 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.setBrush(QColor(255, 255, 255))
        p.setPen(QPen(QColor(0, 0, 0, 150), 1))
        p.drawEllipse(QPointF(x, h / 2), 9, 9)
        p.setPen(QPen(QColor(60, 60, 60), 1.5))
        for d in (-1, 1):
            tip = QPointF(x + d * 6, h / 2)
            p.drawLine(QPointF(x + d * 2, h / 2 - 4), tip)
            p.drawLine(QPointF(x + d * 2, h / 2 + 4), tip)

    def _paint_label(self, p: QPainter, pane: QRectF, text: str, *, left: bool) -> None:
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        w, h = fm.horizontalAdvance(text) + 12, fm.height() + 6
        area = self.image_rect_in(pane).intersected(pane)  # label the photo, not the backdrop
        if area.width() < 2 * w + 24 or area.height() < h + 16:
            area = pane
        x = area.left() + 8 if left else area.right() - 8 - w
        box = QRectF(x, area.top() + 8, w, h)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 140))
        p.drawRoundedRect(box, 4, 4)
        p.setPen(QColor(255, 255, 255))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # -- interaction -----------------------------------------------------------------------------
    def _near_split(self, pos: QPointF) -> bool:
        return (self._mode == "split" and not self._holding and self.has_photo()
                and abs(pos.x() - self.split_x()) <= SPLIT_GRAB_PX)

    def point_at(self, pos: QPointF) -> tuple[int, int] | None:
        """The landmark (face, point index) within :data:`POINT_GRAB_PX` of widget ``pos``."""
        if not self.has_photo():
            return None
        return self.overlay.point_at(pos.x(), pos.y(), self._mapper(self._pane_at(pos)), POINT_GRAB_PX)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        hit = self.point_at(pos) if event.button() == Qt.MouseButton.LeftButton else None
        if hit is not None:
            analysis = self.overlay.analysis()
            assert analysis is not None
            x, y = analysis.faces[hit[0]].points[hit[1]]
            self._drag = "point"
            self._grabbed = (hit[0], hit[1], QPointF(float(x), float(y)), analysis)
            self.setCursor(Qt.CursorShape.CrossCursor)
        elif event.button() == Qt.MouseButton.LeftButton and self._near_split(pos):
            self._drag = "split"
        elif event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag = "pan"
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        else:
            return super().mousePressEvent(event)
        self._press_pos = self._last_pos = pos
        self._moved = False
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._drag == "split":
            self.set_split(pos.x() / max(1, self.width()))
        elif self._drag in ("pan", "point"):
            if (pos - self._press_pos).manhattanLength() > CLICK_SLOP_PX:
                self._moved = True
            if self._moved and self._drag == "pan":
                d = pos - self._last_pos
                self.pan_by(d.x(), d.y())
            elif self._moved and self._grabbed is not None:
                self._drag_point_to(self._grabbed, pos)
        elif self.point_at(pos) is not None:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.setCursor(Qt.CursorShape.SplitHCursor if self._near_split(pos)
                           else Qt.CursorShape.ArrowCursor)
        self._last_pos = pos

    def _drag_point_to(self, grabbed: tuple[int, int, QPointF, FaceAnalysis], pos: QPointF) -> None:
        """The grabbed point follows the mouse (by the mouse's travel, so it does not jump to
        the pointer), kept on the photo."""
        assert self._full_size is not None
        face, index, origin, analysis = grabbed
        if self.overlay.analysis() is not analysis:
            return  # the faces changed under the drag (an undo, another photo): let go of it
        p = origin + (pos - self._press_pos) / self._scale
        x = min(max(p.x(), 0.0), float(self._full_size.width() - 1))
        y = min(max(p.y(), 0.0), float(self._full_size.height() - 1))
        self.overlay.set_dragged(face, index, x, y)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag == "point" and event.button() != Qt.MouseButton.LeftButton:
            event.accept()  # another button let go: the point stays in hand
            return
        drag, self._drag = self._drag, None
        grabbed, self._grabbed = self._grabbed, None
        self.unsetCursor()
        pos = event.position()
        if drag == "point" and (pos - self._press_pos).manhattanLength() > CLICK_SLOP_PX:
            self._moved = True
        if drag in ("pan", "point") and not self._moved and event.button() == Qt.MouseButton.LeftButton \
                and self.has_photo():
            img = self.widget_to_image(pos)
            self.faceClicked.emit(self.overlay.face_at(img.x(), img.y()))
        elif drag == "point" and grabbed is not None and self.overlay.analysis() is grabbed[3]:
            self._drag_point_to(grabbed, pos)
            moved = self.overlay.dragged()
            if moved is not None:
                self.landmarkMoved.emit(*moved)  # the window commits it ...
        self.overlay.clear_dragged()  # ... before the live copy goes
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if not self.has_photo():
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.25 ** steps, event.position())
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fit:
            self._apply_fit()
        self.viewChanged.emit()
        self.zoomChanged.emit(self.zoom() * 100.0)
