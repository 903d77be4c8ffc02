"""The job queue: every job with its state, progress, elapsed time, cost and reason; cancel, retry, remove."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs.groups import COMPARE
from desktop_app.core.jobs.spending import JobLine
from desktop_app.core.jobs.store import Job, JobGroup, JobState
from desktop_app.ui.theme import is_dark

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyleOptionViewItem

JobRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
# (on a light background, on a dark one): the dark theme's shades keep a readable contrast on its #1e1e1e
_STATE_COLORS = {
    JobState.SUCCEEDED: ("#2e7d32", "#81c784"),
    JobState.FAILED: ("#c62828", "#ff8a80"),
    JobState.NEEDS_CHECK: ("#ef6c00", "#ffb74d"),
    JobState.INTERRUPTED: ("#ef6c00", "#ffb74d"),
    JobState.CANCELED: ("#757575", "#9e9e9e"),
}


def state_color(state: JobState, palette: QPalette) -> QColor:
    """The colour of a job's status line, for the palette's light or dark background."""
    shades = _STATE_COLORS.get(state)
    if shades is None:
        return palette.color(QPalette.ColorRole.Link)
    return QColor(shades[1] if is_dark(palette) else shades[0])


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_cost(job: Job) -> str:
    if job.cost is None:
        return ""
    if job.cost == 0:
        return "free"
    value = f"{job.cost:g}"
    return f"{value} {job.cost_unit}".strip()


def money_lines(line: JobLine | None) -> list[str]:
    """A paid job's quote and, once known, its charge and refund, from its spend-ledger line."""
    if line is None:
        return []

    def amount(value: float) -> str:
        return f"{value:g} {line.unit}".strip()

    def tr(text: str, value: float) -> str:
        return QCoreApplication.translate("JobQueue", text).replace("%1", amount(value))

    out = []
    if line.quoted is not None:
        out.append(tr("Quoted %1", line.quoted))
    if line.charged is not None:
        out.append(tr("Charged %1 (the service gave no figure: the quote)", line.charged) if line.estimated
                   else tr("Charged %1", line.charged))
    if line.refunded:
        out.append(tr("Refunded %1", line.refunded))
    return [" · ".join(out)] if out else []


class JobListModel(QAbstractListModel):
    """Jobs newest first; ``upsert`` keeps rows in step with the scheduler's announcements."""

    jobStateChanged = Signal(str)  # job id: added, or its state or submit stage moved (its ledger line may too)

    def __init__(self, model_names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.money: dict[str, JobLine] = {}  # job id -> its spend-ledger line (read in a worker: queue/quotes.py)
        self._jobs: list[Job] = []
        self._rows: dict[str, int] = {}
        self._groups: dict[str, JobGroup] = {}
        self._positions: dict[str, tuple[int, int]] | None = None  # job id -> (place in its group, group size)
        # Jobs another Meshwright window or process runs (shown, never changed here): job id -> "Running in …"
        self.elsewhere: dict[str, str] = {}
        self.model_names = model_names if model_names is not None else {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._jobs)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        if role == JobRole:
            return job
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{job.title} — {job.state.label}"
        if role == Qt.ItemDataRole.ToolTipRole:
            tag, group = self.group_tag(job), self.group(job.group_id)
            if group is not None and group.title and group.title not in tag:
                tag = f"{tag} · {group.title}"
            return "\n".join(filter(None, [job.title, self.model_names.get(job.model_id, job.model_id), tag,
                                            f"{job.state.label}: {job.message}", *money_lines(self.money.get(job.id)),
                                            self.elsewhere.get(job.id)]))
        return None

    def set_money(self, asked: list[str], lines: dict[str, JobLine]) -> None:
        """The ledger lines read for the jobs ``asked`` (one absent from ``lines`` has none); their rows update."""
        for job_id in asked:
            if job_id in lines:
                self.money[job_id] = lines[job_id]
            else:
                self.money.pop(job_id, None)
            row = self._rows.get(job_id)
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.ToolTipRole])

    def job_ids(self) -> list[str]:
        return [j.id for j in self._jobs]

    def set_elsewhere(self, elsewhere: dict[str, str]) -> None:
        """Mark the jobs another process runs (read-only here); rows whose mark changed repaint."""
        changed = set(elsewhere) ^ set(self.elsewhere) | {k for k, v in elsewhere.items() if self.elsewhere.get(k) != v}
        self.elsewhere = dict(elsewhere)
        for job_id in changed:
            row = self._rows.get(job_id)
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def set_model_names(self, names: dict[str, str]) -> None:
        """Names to show instead of model ids (the delegate reads this same dict); rows repaint."""
        self.model_names.clear()
        self.model_names.update(names)
        if self._jobs:
            self.dataChanged.emit(self.index(0), self.index(len(self._jobs) - 1))

    # --- groups (a batch or a compare) -----------------------------------------------------------------

    def set_groups(self, groups: dict[str, JobGroup]) -> None:
        """Name the groups the listed jobs belong to; their rows repaint with the tag."""
        self._groups.update(groups)
        rows = [row for row, job in enumerate(self._jobs) if job.group_id in groups]
        if rows:  # one signal for the span, not one per row (a batch has hundreds)
            self.dataChanged.emit(self.index(rows[0]), self.index(rows[-1]))

    def unknown_groups(self) -> set[str]:
        return {j.group_id for j in self._jobs if j.group_id and j.group_id not in self._groups}

    def group(self, group_id: str | None) -> JobGroup | None:
        return self._groups.get(group_id) if group_id else None

    def group_members(self, group_id: str) -> list[Job]:
        """The group's jobs in this list, oldest first (the order they were made)."""
        return [j for j in reversed(self._jobs) if j.group_id == group_id]

    def group_tag(self, job: Job) -> str:
        """"Compare 2 of 3 · Dragon" or "Batch 12 of 50"; "" outside a group."""
        group = self.group(job.group_id)
        if group is None:
            return ""
        if self._positions is None:  # painting asks for every visible row: count each group once per change
            self._positions = {}
            for group_id in {j.group_id for j in self._jobs if j.group_id}:
                members = self.group_members(group_id)
                self._positions.update({j.id: (i, len(members)) for i, j in enumerate(members, 1)})
        position, size = self._positions.get(job.id, (0, 0))
        if group.kind == COMPARE:
            text = QCoreApplication.translate("JobQueue", "Compare %1 of %2")
        else:
            text = QCoreApplication.translate("JobQueue", "Batch %1 of %2")
        text = text.replace("%1", str(position)).replace("%2", str(size))
        # A batch's title repeats the model name shown beside the tag; a comparison's names the picture.
        return f"{text} · {group.title}" if group.title and group.kind == COMPARE else text

    def set_jobs(self, jobs: list[Job]) -> None:
        self.beginResetModel()
        self._jobs = list(jobs)
        self._reindex()
        self.endResetModel()

    def upsert(self, job: Job) -> None:
        row = self._rows.get(job.id)
        # The ledger changes with these: a reservation is written once "uploading", just before the paid request
        # is marked as leaving (submit_stage), the charge when it is answered (a new state).
        moved = row is None or (self._jobs[row].state, self._jobs[row].submit_stage) != (job.state, job.submit_stage)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._jobs.insert(0, job)
            self._reindex()
            self.endInsertRows()
        else:
            self._jobs[row] = job
            index = self.index(row)
            self.dataChanged.emit(index, index)
        if moved:
            self.jobStateChanged.emit(job.id)

    def remove(self, job_id: str) -> None:
        row = self._rows.get(job_id)
        self.money.pop(job_id, None)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._jobs[row]
            self._reindex()
            self.endRemoveRows()

    def job(self, row: int) -> Job | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: str) -> int | None:
        return self._rows.get(job_id)

    def active_count(self) -> int:
        return sum(1 for j in self._jobs if j.state.active or j.state is JobState.DRAFT)

    def refresh_active(self) -> None:
        for row, job in enumerate(self._jobs):
            if job.state.active:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def _reindex(self) -> None:
        self._rows = {job.id: row for row, job in enumerate(self._jobs)}
        self._positions = None


class JobDelegate(QStyledItemDelegate):
    """Two text lines and, while a job runs, a progress bar."""

    def __init__(self, model_names: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_names = model_names

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        # No width of its own: the list gives each row the viewport's width. The width the rows were first laid
        # out at (the wider Create workspace) showed a horizontal scroll bar in the narrower Library one.
        return QSize(0, 4 * option.fontMetrics.height() + 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        job: Job = index.data(JobRole)
        # QStyle here, not at the top: importing it makes its ~20 enum types (~5 ms), and the window's first frame
        # has no job row to paint.
        from PySide6.QtWidgets import QStyle, QStyleOptionProgressBar

        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        rect = option.rect.adjusted(8, 5, -8, -5)
        line = option.fontMetrics.height()
        painter.save()
        bold = option.font
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color)
        right = format_cost(job)
        if job.started_at:
            right = " · ".join(filter(None, [format_elapsed(job.elapsed()), right]))
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), line), Qt.AlignmentFlag.AlignLeft,
                         option.fontMetrics.elidedText(job.title, Qt.TextElideMode.ElideRight, rect.width() - 110))
        painter.setFont(option.font)
        painter.drawText(QRect(rect.left(), rect.top(), rect.width(), line), Qt.AlignmentFlag.AlignRight, right)
        model = self.model_names.get(job.model_id, job.model_id)
        tag = index.model().group_tag(job) if hasattr(index.model(), "group_tag") else ""
        elsewhere = getattr(index.model(), "elsewhere", {}).get(job.id, "")
        second = option.fontMetrics.elidedText(" · ".join(filter(None, [model, tag, elsewhere])),
                                               Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(text_color if selected else palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(QRect(rect.left(), rect.top() + line, rect.width(), line), Qt.AlignmentFlag.AlignLeft, second)
        painter.setPen(text_color if selected else state_color(job.state, palette))
        status = job.state.label
        if job.queue_position is not None and job.state is JobState.QUEUED:
            status += f" (position {job.queue_position})"
        if job.message and job.message.rstrip(".") != job.state.label:  # not "Canceled: Canceled."
            status += f": {job.message}"
        status_rect = QRect(rect.left(), rect.top() + 2 * line + 2, rect.width(), 2 * line)
        elided = option.fontMetrics.elidedText(status, Qt.TextElideMode.ElideRight, 2 * rect.width() - 40)
        painter.drawText(status_rect, Qt.TextFlag.TextWordWrap, elided)
        if job.state.active:
            bar = QStyleOptionProgressBar()
            bar.rect = QRect(rect.left(), rect.bottom() - 5, rect.width(), 5)
            bar.minimum, bar.maximum = 0, 1000 if job.progress is not None else 0
            bar.progress = int((job.progress or 0) * 1000)
            bar.textVisible = False
            style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
        painter.restore()


class JobQueueView(QWidget):
    """The queue panel. Emits requests; the main window carries them out through the scheduler."""

    cancelRequested = Signal(str)
    cancelGroupRequested = Signal(str)  # group id
    retryRequested = Signal(str)
    duplicateRequested = Signal(str)
    removeRequested = Signal(str)
    jobActivated = Signal(str)

    def __init__(self, model: JobListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QListView()
        self.view.setObjectName("jobList")
        self.view.setModel(model)
        self.view.setItemDelegate(JobDelegate(model.model_names, self.view))
        self.view.setUniformItemSizes(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows fit the width
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setSpacing(1)
        self.view.selectionModel().currentChanged.connect(self._update_buttons)
        self.view.activated.connect(lambda idx: self._emit_for(idx.row(), self.jobActivated))
        self.view.clicked.connect(lambda idx: self._emit_for(idx.row(), self.jobActivated))
        model.dataChanged.connect(self._update_buttons)
        model.rowsInserted.connect(self._update_empty)
        model.rowsRemoved.connect(self._update_empty)
        model.modelReset.connect(self._update_empty)

        self.empty = QLabel(self.tr("No jobs yet. Add an image, pick a model and press Generate."))
        self.empty.setObjectName("emptyHint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop the selected job"))
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.setToolTip(self.tr("Run the selected job again with the same images and settings"))
        self.duplicate_button = QPushButton(self.tr("Duplicate"))
        self.duplicate_button.setToolTip(self.tr("Put the selected job's images and settings back into the form, "
                                                 "to change them and generate again (Ctrl+D)"))
        self.duplicate_button.setShortcut(QKeySequence("Ctrl+D"))
        self.cancel_group_button = QPushButton(self.tr("Cancel group"))
        self.cancel_group_button.setObjectName("cancelGroupButton")
        self.cancel_group_button.setToolTip(self.tr("Stop every unfinished job of the selected job's batch or "
                                                    "comparison; finished ones keep their results"))
        self.cancel_group_button.clicked.connect(self._cancel_group)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setToolTip(self.tr("Remove the selected finished job from this list"))
        self.cancel_button.clicked.connect(lambda: self._emit_for(self._row(), self.cancelRequested))
        self.retry_button.clicked.connect(lambda: self._emit_for(self._row(), self.retryRequested))
        self.remove_button.clicked.connect(lambda: self._emit_for(self._row(), self.removeRequested))
        self.duplicate_button.clicked.connect(lambda: self._emit_for(self._row(), self.duplicateRequested))
        # Shown while the selected job belongs to a batch or comparison: which one, and how to stop all of it.
        self.group_row = QWidget()
        self.group_label = QLabel()
        self.group_label.setObjectName("hint")
        group_layout = QHBoxLayout(self.group_row)
        group_layout.setContentsMargins(0, 0, 0, 0)
        group_layout.addWidget(self.group_label, 1)
        group_layout.addWidget(self.cancel_group_button)
        buttons = QHBoxLayout()
        for button in (self.cancel_button, self.retry_button, self.duplicate_button, self.remove_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.group_row)
        layout.addLayout(buttons)

        # Elapsed times tick while something runs; the timer stops when nothing does.
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._update_empty()
        self._update_buttons()

    def select(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))

    def selected_job(self) -> Job | None:
        return self.model.job(self._row())

    def _row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def _emit_for(self, row: int, signal: Signal) -> None:
        job = self.model.job(row)
        if job is not None:
            signal.emit(job.id)

    def _cancel_group(self) -> None:
        job = self.selected_job()
        if job is not None and job.group_id:
            self.cancelGroupRequested.emit(job.group_id)

    def _tick(self) -> None:
        self.model.refresh_active()
        if not self.model.active_count():
            self._ticker.stop()

    def _update_empty(self, *_args: object) -> None:
        has_jobs = self.model.rowCount() > 0
        self.empty.setVisible(not has_jobs)
        self.view.setVisible(has_jobs)
        self._update_buttons()

    def update_buttons(self) -> None:
        """Enable the buttons for the selected job's present state (after a job changed outside the view)."""
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        job = self.selected_job()
        elsewhere = self.model.elsewhere.get(job.id) if job is not None else None
        # A job another window or process runs is that one's to stop: read-only here.
        self.cancel_button.setEnabled(job is not None and not job.state.terminal and elsewhere is None)
        self.cancel_button.setToolTip(self.tr("%1 Stop it there.").replace("%1", elsewhere) if elsewhere
                                      else self.tr("Stop the selected job"))
        self.retry_button.setEnabled(job is not None and elsewhere is None and job.state in (
            JobState.FAILED, JobState.CANCELED, JobState.SUCCEEDED, JobState.NEEDS_CHECK))
        self.duplicate_button.setEnabled(job is not None and bool(job.inputs))
        self.remove_button.setEnabled(job is not None and elsewhere is None
                                      and (job.state.terminal or job.state is JobState.NEEDS_CHECK))
        group = self.model.group(job.group_id) if job is not None else None
        self.group_row.setVisible(group is not None)
        if group is not None:
            members = self.model.group_members(group.id)
            pending = sum(1 for j in members if not j.state.terminal)
            kind = self.tr("Comparison") if group.kind == COMPARE else self.tr("Batch")
            self.group_label.setText(self.tr("%1: %2 of %3 unfinished").replace("%1", kind)
                                     .replace("%2", str(pending)).replace("%3", str(len(members))))
            self.group_label.setToolTip(group.title)
            self.cancel_group_button.setEnabled(pending > 0)
        if self.model.active_count() and not self._ticker.isActive():
            self._ticker.start()
        elif not self.model.active_count() and self._ticker.isActive():
            self._ticker.stop()

    def stop_timers(self) -> None:
        self._ticker.stop()

