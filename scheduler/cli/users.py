"""`danvan user add|passwd|remove|list`: the web console's accounts, kept in the ledger database."""

from __future__ import annotations

import datetime as dt
import sys

import click

from scheduler.cli.common import EXIT_USAGE, cli, config_option, fail, project_of, user_errors

ROLE_HELP = "officer: xem mọi trang, tạm dừng / cho đăng tiếp một kênh; approver: thêm quyền duyệt khẩu hiệu."


@cli.group()
def user() -> None:
    """Tài khoản đăng nhập bảng điều khiển web (danvan web)."""


@user.command(name="add")
@config_option
@click.argument("name")
@click.option("--role", type=click.Choice(["approver", "officer"]), required=True, help=ROLE_HELP)
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn (cho kịch bản).")
@click.pass_context
def add_user(ctx: click.Context, config_path: str | None, name: str, role: str, password_stdin: bool) -> None:
    """Tạo tài khoản NAME với vai trò --role."""
    from scheduler.ledger import Ledger

    project = project_of(ctx, config_path)
    password = _read_password(password_stdin)
    with user_errors(), Ledger.open(project.config.database) as ledger:
        ledger.add_account(name, role, password, dt.datetime.now(dt.UTC))
    click.echo(f"Đã tạo tài khoản {name} ({role}).")


@user.command(name="passwd")
@config_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu mới từ dòng đầu của đầu vào chuẩn.")
@click.pass_context
def change_password(ctx: click.Context, config_path: str | None, name: str, password_stdin: bool) -> None:
    """Đặt mật khẩu mới cho NAME (các phiên đăng nhập cũ của NAME hết hiệu lực)."""
    from scheduler.ledger import Ledger

    project = project_of(ctx, config_path)
    password = _read_password(password_stdin)
    with user_errors(), Ledger.open(project.config.database) as ledger:
        ledger.set_password(name, password, dt.datetime.now(dt.UTC))
    click.echo(f"Đã đổi mật khẩu của {name}.")


@user.command(name="remove")
@config_option
@click.argument("name")
@click.pass_context
def remove_user(ctx: click.Context, config_path: str | None, name: str) -> None:
    """Xoá tài khoản NAME (các phiên đăng nhập của NAME hết hiệu lực ngay)."""
    from scheduler.ledger import Ledger

    project = project_of(ctx, config_path)
    with user_errors(), Ledger.open(project.config.database) as ledger:
        ledger.remove_account(name)
    click.echo(f"Đã xoá tài khoản {name}.")


@user.command(name="list")
@config_option
@click.pass_context
def list_users(ctx: click.Context, config_path: str | None) -> None:
    """Các tài khoản và vai trò."""
    from scheduler.ledger import Ledger
    from scheduler.timefmt import moment_text

    project = project_of(ctx, config_path)
    tz = project.config.timezone
    if not project.config.database.exists():
        click.echo("Chưa có tài khoản nào. Tạo bằng: danvan user add TÊN --role officer")
        return
    with user_errors(), Ledger.open(project.config.database) as ledger:
        accounts = ledger.accounts()
    if not accounts:
        click.echo("Chưa có tài khoản nào. Tạo bằng: danvan user add TÊN --role officer")
    for account in accounts:
        click.echo(f"{account.name}\t{account.role}\ttạo lúc {moment_text(account.created_at, tz)}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail("không đọc được mật khẩu từ đầu vào chuẩn", EXIT_USAGE)
        return line
    typed: str = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    return typed
