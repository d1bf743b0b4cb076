"""The "Cloud keys and addresses" dialog: where each key comes from, storing and removing it.

What belongs here: :class:`KeysDialog`. For each credential of ``cloud.credentials.CREDENTIALS``
it shows where the key currently comes from (the environment variable, the system keyring, or
nowhere), a password field to store a key in the keyring (``set_credential``) and a Remove
button (``delete_credential``). The keys go to the keyring only: the dialog never puts them in
the settings, never logs them, and forgets the typed text once stored. The services' base URLs
(a proxy or a local stand-in server) are edited here too and kept in
:class:`~facestudio.settings.Settings`. :attr:`KeysDialog.changed` tells the window to drop its
cloud backends, so the next render reads the new key or address.
"""

from __future__ import annotations

import html
import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facestudio.cloud.credentials import (
    CREDENTIALS,
    credential_source,
    delete_credential,
    set_credential,
)
from facestudio.core.errors import FaceStudioError
from facestudio.settings import Settings, SettingsError, check_url

#: settings field -> (label, environment variable, the service's own address)
URLS: dict[str, tuple[str, str, str]] = {
    "acedata_base_url": ("Ace Data Cloud API", "FACESTUDIO_ACEDATA_BASE_URL", "https://api.acedata.cloud"),
    "acedata_platform_url": ("Ace Data Cloud files (uploads)", "FACESTUDIO_ACEDATA_PLATFORM_URL",
                             "https://platform.acedata.cloud"),
    "ailab_base_url": ("AILabTools API", "FACESTUDIO_AILAB_BASE_URL", "https://www.ailabtools.com"),
}


def source_text(name: str) -> str:
    """Where credential ``name`` comes from, in words."""
    spec = CREDENTIALS[name]
    source = credential_source(name)
    if source == "env":
        return f"From the environment ({spec.env_var}); it wins over a stored key."
    if source == "keyring":
        return "Stored in the system keyring."
    return "Not set."


class KeyRow:
    """The widgets of one credential."""

    def __init__(self, name: str, parent: QWidget) -> None:
        spec = CREDENTIALS[name]
        self.name = name
        self.title = QLabel(f"<b>{spec.label}</b>", parent)
        self.title.setWordWrap(True)
        self.source = QLabel("", parent)
        self.source.setObjectName(f"source_{name}")
        self.field = QLineEdit(parent)
        self.field.setObjectName(f"key_{name}")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("Paste the key to store it in the keyring")
        self.field.setToolTip(f"Get it from {spec.where_to_get}")
        self.store = QPushButton("Store", parent)
        self.remove = QPushButton("Remove", parent)
        self.remove.setToolTip("Delete the key stored in the system keyring")


class KeysDialog(QDialog):
    """Keys (keyring) and base URLs (settings) of the cloud services.

    Signals
    -------
    changed()
        A key was stored or removed, or an address changed.
    """

    changed = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cloud keys and addresses")
        self.settings = settings
        self.rows: dict[str, KeyRow] = {}
        keys = QGroupBox("Keys (kept in the system keyring, never in FaceStudio's files)", self)
        grid = QGridLayout(keys)
        grid.setColumnStretch(0, 1)
        for n, name in enumerate(CREDENTIALS):
            row = KeyRow(name, keys)
            self.rows[name] = row
            grid.addWidget(row.title, 4 * n, 0, 1, 3)
            grid.addWidget(row.source, 4 * n + 1, 0, 1, 3)
            grid.addWidget(row.field, 4 * n + 2, 0)
            grid.addWidget(row.store, 4 * n + 2, 1)
            grid.addWidget(row.remove, 4 * n + 2, 2)
            grid.setRowMinimumHeight(4 * n + 3, 10)  # air between the credentials
            row.store.clicked.connect(lambda _=False, k=name: self.store(k))
            row.field.returnPressed.connect(lambda k=name: self.store(k))
            row.remove.clicked.connect(lambda _=False, k=name: self.remove(k))

        urls = QGroupBox("Addresses (for a proxy or a local stand-in; empty: the service's own)", self)
        ugrid = QGridLayout(urls)
        ugrid.setColumnStretch(1, 1)
        self.url_edits: dict[str, QLineEdit] = {}
        for n, (field, (label, env, default)) in enumerate(URLS.items()):
            edit = QLineEdit(urls)
            edit.setObjectName(field)
            edit.setMinimumWidth(340)
            edit.setText(getattr(settings, field) or "")
            edit.setPlaceholderText(os.environ.get(env) or default)
            edit.setToolTip(f"Empty: {env} if set, else {default}")
            ugrid.addWidget(QLabel(label, urls), n, 0)
            ugrid.addWidget(edit, n, 1)
            self.url_edits[field] = edit
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setObjectName("keys_message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save addresses")
        self.buttons.accepted.connect(self.save_urls)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(keys)
        layout.addWidget(urls)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.refresh()

    def refresh(self) -> None:
        for name, row in self.rows.items():
            row.source.setText(source_text(name))
            row.remove.setEnabled(credential_source(name, env={}) == "keyring")

    def store(self, name: str) -> None:
        row = self.rows[name]
        value = row.field.text()
        try:
            set_credential(name, value)
        except FaceStudioError as exc:
            self._say(str(exc), error=True)
            return
        finally:
            row.field.clear()  # the typed key does not stay in the widget
            del value
        self._say(f"The {CREDENTIALS[name].label} is stored in the system keyring.")
        self.refresh()
        self.changed.emit()

    def remove(self, name: str) -> None:
        if delete_credential(name):
            self._say(f"The {CREDENTIALS[name].label} was removed from the system keyring.")
            self.changed.emit()
        else:
            self._say(f"No {CREDENTIALS[name].label} was stored in the keyring.", error=True)
        self.refresh()

    def save_urls(self) -> None:
        values = {}
        for field, edit in self.url_edits.items():
            try:
                values[field] = check_url(edit.text())
            except SettingsError as exc:
                self._say(f"{URLS[field][0]}: {exc}", error=True)
                return
        if any(getattr(self.settings, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(self.settings, f, v)
            self.changed.emit()
        self._say("Addresses saved.")

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#c0392b" if error else "#2e7d32"
        self.message.setText(f"<span style='color:{colour}'>{html.escape(text)}</span>")
