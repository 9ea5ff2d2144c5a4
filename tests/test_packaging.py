"""The wheel is a whole product: every module, the fonts, logo and starter files; `init`, `check` and
`preview` work from a normal (not editable) install in an empty folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [name for name in listed.stdout.decode().split("\0") if name]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the checkout, so the build leaves nothing in the work tree."""
    source = tmp_path_factory.mktemp("source")
    for name in tracked_files():
        origin, target = REPO / name, source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_symlink():
            target.symlink_to(os.readlink(origin))
        elif origin.is_file():
            shutil.copy2(origin, target)
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)], check=True)
    (built,) = dist.glob("danvan_scheduler-*.whl")
    return built


def test_the_wheel_holds_every_module_and_the_bundled_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        str(path.relative_to(REPO))
        for path in (REPO / "scheduler").rglob("*.py")
        if "assets" not in path.relative_to(REPO).parts
    }
    assert modules - names == set()
    for font in (REPO / "assets" / "fonts").glob("*.ttf"):
        assert f"scheduler/assets/fonts/{font.name}" in names
    assert {"scheduler/assets/fonts/OFL.txt", "scheduler/assets/logo.png"} <= names
    assert {"scheduler/project/starter_files/config.yaml", "scheduler/project/starter_files/slogans.yaml"} <= names
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in zipfile.ZipFile(wheel).read(metadata).decode()


def test_init_check_and_preview_work_from_an_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", "install", "--no-deps", "--target", str(site), str(wheel)], check=True
    )
    officer = tmp_path / "empty"
    officer.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANVAN_")} | {"PYTHONPATH": str(site)}

    def danvan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scheduler", *args], cwd=officer, env=env, capture_output=True, text=True
        )

    where = subprocess.run(
        [sys.executable, "-c", "import scheduler; print(scheduler.__file__)"],
        cwd=officer,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.strip().startswith(str(site))
    created = danvan("init")
    assert created.returncode == 0, created.stderr
    assert "Bước tiếp theo" in created.stdout
    checked = danvan("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    previewed = danvan("preview", "-o", "out")
    assert previewed.returncode == 0, previewed.stderr
    assert len(list((officer / "out").glob("*.jpg"))) >= 10
    again = danvan("init")
    assert again.returncode == 1 and "không ghi đè" in again.stderr
