"""What every `danvan` command shares: the click group, -c/--config, loading the project, and turning the
product's named exceptions into one Vietnamese message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from scheduler import __version__
from scheduler.errors import DanvanError, InputError, UnreadableFileError

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
TABLE_ROWS = 50  # the log table shows the newest rows; a year of a province's posts is too long to scroll
PLAN_ROWS = 100  # `plan` lists the first slots and counts the rest: a 1-second interval is 86,400 slots a day
PLAN_JSON_ROWS = 10_000  # `plan --json` lists every slot up to this many (then a count on stderr)


def config_option(command: F) -> F:
    """-c/--config on every command (also accepted before the command name)."""
    return click.option(
        "-c",
        "--config",
        "config_path",
        metavar="PATH",
        default=None,
        help="Tệp cấu hình (mặc định: $DANVAN_CONFIG, ./config.yaml, rồi ./config.example.yaml).",
    )(command)


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the product's named exceptions into one Vietnamese message and an exit code, once, here."""
    try:
        yield
    except InputError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        fail("cấu hình hoặc danh sách khẩu hiệu có lỗi; chạy 'danvan check' để xem toàn bộ", EXIT_USAGE)
    except UnreadableFileError as exc:
        fail(str(exc), EXIT_USAGE)
    except DanvanError as exc:
        fail(str(exc), EXIT_PROBLEMS)


def config_path_of(ctx: click.Context, given: str | None) -> Path:
    from scheduler.project import resolve_config_path

    return resolve_config_path(given or (ctx.obj or {}).get("config_path"))


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="danvan")
@config_option
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """danvan: đăng khẩu hiệu của kế hoạch Dân vận thành thẻ ảnh lên Trang Facebook và Zalo OA theo lịch.

    \b
    Bắt đầu:
      danvan check              kiểm tra config.yaml và slogans.yaml
      danvan preview -o thu-xem xem trước các thẻ ảnh sẽ đăng
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def project_of(ctx: click.Context, config_path: str | None, *, checked: bool = False) -> Any:
    """The project; `checked`: as the daemon runs it, a slogan with errors held back (holdback.py); otherwise
    read leniently, since reading what happened must not depend on every slogan being right."""
    from scheduler.logsetup import log_in_timezone, redact_secrets
    from scheduler.project import load_project

    with user_errors():
        path = config_path_of(ctx, config_path)
        if checked:
            from scheduler.holdback import load_checked_project  # proofreading and card fitting: only when needed

            project = load_checked_project(path)
        else:
            project = load_project(path, lenient=True)  # a defective slogan does not stop log, report, backup
    # Every command that reads the config blanks its secrets from whatever it logs, not only `run`.
    redact_secrets(project.config.secrets())
    log_in_timezone(project.config.timezone)
    return project
