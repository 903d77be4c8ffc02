"""The damaged-state corpus: every CLI command, as a real subprocess, on a home damaged in each way a crash, a
disk fault or a hostile edit can leave it. Every run must end without a traceback, with a documented exit code
and (when it is not 0) an ``error:`` line; the user is told what was repaired; and no library item is ever lost.

Read-only and full disks are real where this machine allows: a read-only (remounted) or 3 MB tmpfs when running
as root with mount rights, ``chmod`` when not root. Where neither works those cases are skipped, not faked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXIT_STORAGE = 6

# name -> arguments; {item}, {model}, {image} and {out} are filled in per case. Order matters: the first
# command meets the damage first (and must say so), later ones must find a repaired home.
COMMANDS: dict[str, list[str]] = {
    "jobs": ["jobs"],
    "jobs --json": ["jobs", "--json"],
    "library": ["library"],
    "library --json": ["library", "--json"],
    "models": ["models"],
    "schema": ["schema", "local:relief"],
    "library export": ["library", "export", "{item}", "--out", "{out}/export.obj", "--force"],
    "library import": ["library", "import", "{model}"],
    "library trash": ["library", "trash"],
    "library rebuild-index": ["library", "rebuild-index"],
    "resume": ["resume"],
    "generate": ["generate", "local:relief", "{image}", "--json"],
    "render": ["render", "{model}", "--out", "{out}/shot.png"],  # no display here: checks input, then says so
    "library delete": ["library", "delete", "{item}"],
    "library restore": ["library", "restore", "{item}"],
    "library move": ["library", "move", "--to", "{out}/moved-library"],
}


@dataclass
class Layout:
    home: Path
    item: str  # the library item every case must keep

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def journal(self) -> Path:
        return self.data / "jobs.sqlite3"

    @property
    def index(self) -> Path:
        return self.data / "library" / "index.sqlite3"

    @property
    def settings(self) -> Path:
        return self.home / "config" / "settings.json"

    @property
    def item_json(self) -> Path:
        return self.data / "library" / "items" / self.item / "item.json"


@dataclass
class Case:
    name: str
    damage: Callable[[Layout], None]
    notice: str = ""  # a phrase a "warning:" line must hold (damage found and repaired)
    damaged_item: bool = False  # the item is listed as damaged, and export refuses it with a reason
    storage: str = ""  # "read-only" or "full": the home lives on a special file system
    codes: dict[str, set[int]] = field(default_factory=dict)  # exit codes allowed per command beyond the default


def _cut(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for start in range(0, len(data), 1500):  # a stripe of noise every page or so, header included
        data[start:start + 300] = os.urandom(min(300, len(data) - start))
    path.write_bytes(bytes(data))


def _folder_in_place(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "stray.txt").write_text("not a database")


def _item_edit(change: Callable[[Layout], None]) -> Callable[[Layout], None]:
    """Damage item.json and drop the index, so the next command re-reads the item folders (as after a move)."""
    def damage(layout: Layout) -> None:
        change(layout)
        for suffix in ("", "-wal", "-shm"):
            Path(str(layout.index) + suffix).unlink(missing_ok=True)
    return damage


def _outside(layout: Layout) -> None:
    data = json.loads(layout.item_json.read_text())
    data["model_file"] = "../../../../../../../../etc/passwd"
    data["files"].append({"name": "../../../../../../../../etc/hostname", "kind": "other", "size": 1})
    layout.item_json.write_text(json.dumps(data))


def _settings(text: str) -> Callable[[Layout], None]:
    def damage(layout: Layout) -> None:
        layout.settings.parent.mkdir(parents=True, exist_ok=True)
        layout.settings.write_text(text.replace("{home}", str(layout.home)))
    return damage


def _library_is_a_file(layout: Layout) -> None:
    (layout.home / "not-a-folder").write_text("a file where the library should be")
    _settings(json.dumps({"library_dir": str(layout.home / "not-a-folder")}))(layout)


def _settings_folder(layout: Layout) -> None:
    layout.settings.parent.mkdir(parents=True, exist_ok=True)
    layout.settings.mkdir()


def _nothing(layout: Layout) -> None:
    pass


GENERATE_FULL = {"generate": {EXIT_STORAGE}}
CASES = [
    Case("intact", _nothing),
    Case("journal truncated", lambda lay: _cut(lay.journal, 0.5), notice="job list"),
    Case("journal garbled", lambda lay: _garble(lay.journal), notice="job list"),
    Case("journal wrong type", lambda lay: lay.journal.write_text('{"jobs": [1, 2]}'), notice="job list"),
    Case("journal is a folder", lambda lay: _folder_in_place(lay.journal), notice="job list"),
    Case("index truncated", lambda lay: _cut(lay.index, 0.4), notice="library index"),
    Case("index garbled", lambda lay: _garble(lay.index), notice="library index"),
    Case("index is a folder", lambda lay: _folder_in_place(lay.index), notice="library index"),
    Case("settings garbled", _settings('{"library_dir": "'), notice="settings file"),
    Case("settings wrong type", _settings("[1, 2]"), notice="settings file"),
    Case("settings is a folder", _settings_folder, notice="settings file"),
    Case("settings library is a file", _library_is_a_file, notice="library folder in your settings"),
    Case("item.json missing", _item_edit(lambda lay: lay.item_json.unlink()), damaged_item=True),
    Case("item.json garbled", _item_edit(lambda lay: _cut(lay.item_json, 0.5)), damaged_item=True),
    Case("item.json wrong type", _item_edit(lambda lay: lay.item_json.write_text("[1,2]")), damaged_item=True),
    Case("item.json points outside", _item_edit(_outside), damaged_item=True),
    Case("home read-only", _nothing, storage="read-only"),
    Case("disk full (3 MB)", _nothing, storage="full", codes=GENERATE_FULL),
]


# --- the home every case starts from -------------------------------------------------------------------------


def cli(home: Path, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(MESHWRIGHT_HOME=str(home), PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """A home with one finished offline item and a finished job (made by the real CLI, once per module)."""
    home = tmp_path_factory.mktemp("template") / "home"
    image = REPO / "tests" / "fixtures" / "images" / "typical_misc_crate.png"
    done = cli(home, ["generate", "local:relief", str(image), "--set", "detail=48", "--json"])
    assert done.returncode == 0, done.stderr
    item = json.loads(done.stdout.strip().splitlines()[-1])["item"]
    return Layout(home, item)


def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/meshwright-mount-probe-{uuid.uuid4().hex[:6]}")
    probe.mkdir()
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], check=True)
        return ok
    finally:
        probe.rmdir()


@contextmanager
def special_home(kind: str, template: Layout, where: Path) -> Iterator[Callable[[], None]]:
    """Copy the template home onto a read-only or a 3 MB file system; yields a function that lifts the limit
    (so the test can then check that nothing was lost)."""
    mount = where / "fs"
    mount.mkdir()
    if _can_mount():
        size = "3m" if kind == "full" else "16m"
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
        try:
            shutil.copytree(template.home, mount / "home", symlinks=True)
            if kind == "read-only":
                subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
                yield lambda: subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
            else:
                yield lambda: None  # the job's files were removed on failure; nothing to free
        finally:
            subprocess.run(["umount", "-l", str(mount)], check=False)
        return
    if kind == "read-only" and os.geteuid() != 0:
        shutil.copytree(template.home, mount / "home", symlinks=True)
        folders = [p for p in [mount / "home", *(mount / "home").rglob("*")] if p.is_dir()]
        for folder in folders:
            folder.chmod(0o555)
        try:
            yield lambda: [f.chmod(0o755) for f in folders]
        finally:
            for folder in folders:
                folder.chmod(0o755)
        return
    pytest.skip(f"no way to make a {kind} file system here (needs mount rights as root, or a non-root user)")


# --- the corpus ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_command_survives_damaged_state(case: Case, template: Layout, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    model = tmp_path / "outside" / "model.glb"  # a model file of the user's, outside the home
    model.parent.mkdir()
    shutil.copy(template.home / "data" / "library" / "items" / template.item / "outputs" / "model.glb", model)
    image = REPO / "tests" / "fixtures" / "images" / "typical_misc_crate.png"
    with _home_for(case, template, tmp_path) as (layout, lift):
        case.damage(layout)
        runs = {}
        for name, args in COMMANDS.items():
            filled = [a.format(item=layout.item, model=model, image=image, out=out) for a in args]
            runs[name] = cli(layout.home, filled)
        lift()
        after = cli(layout.home, ["library", "--json"])
        folders = {e["item"]: Path(e["folder"]).is_dir() for e in json.loads(after.stdout or "[]")}

    report = []
    for name, run in runs.items():
        text = run.stdout + run.stderr
        allowed = _allowed(case, name)
        if "Traceback" in text:
            report.append(f"{name}: traceback\n{text[-1500:]}")
        elif run.returncode not in allowed:
            report.append(f"{name}: exit {run.returncode}, expected {sorted(allowed)}\n{run.stderr[-800:]}")
        elif run.returncode != 0 and not any(line.startswith("error:") for line in run.stderr.splitlines()):
            report.append(f"{name}: exit {run.returncode} without an 'error:' line\n{run.stderr[-800:]}")
        elif run.returncode == EXIT_STORAGE and str(layout.home) not in run.stderr:
            report.append(f"{name}: the storage message does not name the folder\n{run.stderr[-800:]}")
    assert not report, "\n\n".join(report)

    warnings = "\n".join(line for r in runs.values() for line in r.stderr.splitlines() if line.startswith("warning:"))
    if case.notice:
        assert case.notice in warnings, f"no notice about the {case.notice}: {warnings!r}"
        assert "Traceback" not in warnings
    if case.damaged_item:
        rebuild = runs["library rebuild-index"].stderr
        assert f"{layout.item} is damaged" in rebuild, rebuild
        assert "damaged" in runs["library export"].stderr
    for run in (runs["library --json"], after):  # nothing listed outside the item's folder
        for listed in json.loads(run.stdout) if run.returncode == 0 else []:
            for path in [listed["model_file"] or listed["folder"], *listed["files"]]:
                assert Path(path).resolve().is_relative_to(Path(listed["folder"]).resolve()), path
    assert not (out / "export.obj").exists() or not case.damaged_item

    # No item lost: the item is still listed (as damaged where its item.json is), with its folder.
    assert after.returncode == 0, after.stderr
    items = {entry["item"]: entry for entry in json.loads(after.stdout)}
    assert layout.item in items, f"item lost: {sorted(items)}"
    entry = items[layout.item]
    assert entry["status"] == ("damaged" if case.damaged_item else "complete")
    assert folders[layout.item], f"the folder of {layout.item} is gone"
    if case.damaged_item:
        assert any(f.endswith("outputs/model.glb") for f in entry["files"]), entry["files"]


def _allowed(case: Case, name: str) -> set[int]:
    if name in case.codes:
        return case.codes[name]
    if name == "render":
        return {1}  # no display in this environment: "error: render needs a display ..."
    if case.storage == "read-only":
        # Reading may still work; anything that writes names the folder; a restore after a refused delete
        # finds nothing in the trash (bad input).
        return {0, 2, EXIT_STORAGE} if name == "library restore" else {0, EXIT_STORAGE}
    if name == "library export" and case.damaged_item:
        return {2}
    return {0}


@contextmanager
def _home_for(case: Case, template: Layout, tmp_path: Path) -> Iterator[tuple[Layout, Callable[[], None]]]:
    if case.storage:
        with special_home(case.storage, template, tmp_path) as lift:
            yield Layout(tmp_path / "fs" / "home", template.item), lift
        return
    home = tmp_path / "home"
    shutil.copytree(template.home, home, symlinks=True)
    yield Layout(home, template.item), lambda: None
