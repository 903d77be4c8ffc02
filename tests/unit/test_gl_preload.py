"""The GL driver preload: which file it picks, and that it loads it on its own thread."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app import gl_preload
from tests.fresh_python import run_python

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Mesa's DRI drivers are Linux's")


def test_the_driver_folder_mesa_is_told_to_use_is_the_one_searched(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (second / "kms_swrast_dri.so").write_bytes(b"")
    env = {"LIBGL_DRIVERS_PATH": f"{first}:{second}"}
    assert gl_preload.mesa_driver(env) == second / "kms_swrast_dri.so"
    (second / "swrast_dri.so").write_bytes(b"")
    assert gl_preload.mesa_driver(env) == second / "swrast_dri.so"  # the name every Mesa install has first


def test_no_driver_in_the_folders_mesa_is_told_to_use_means_no_preload(tmp_path: Path) -> None:
    # Mesa searches only LIBGL_DRIVERS_PATH when it is set: a system driver elsewhere would not be the one used.
    assert gl_preload.mesa_driver({"LIBGL_DRIVERS_PATH": str(tmp_path)}) is None


@pytest.mark.skipif(gl_preload.mesa_driver() is None, reason="no Mesa driver on this machine")
def test_the_driver_is_loaded_by_a_background_thread() -> None:
    # In a fresh process: this one may have loaded the driver already (the GL tests).
    script = ("import threading\n"
              "from desktop_app import gl_preload\n"
              "thread = gl_preload.start()\n"
              "assert thread is not None and thread is not threading.main_thread() and thread.daemon\n"
              "thread.join(30)\n"
              "driver = gl_preload.mesa_driver().resolve()\n"
              "maps = open('/proc/self/maps').read()\n"
              "print(str(driver) in maps)\n")
    assert run_python(script, timeout=60).strip() == "True"
