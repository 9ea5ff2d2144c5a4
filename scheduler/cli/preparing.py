"""Commands for getting ready: `init`, `check`, `preview`, `zalo auth`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from scheduler.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    cli,
    config_option,
    config_path_of,
    fail,
    project_of,
    user_errors,
)
from scheduler.timefmt import moment_text


@cli.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Tạo config.yaml (kênh outbox) và slogans.yaml mẫu trong THƯ MỤC (mặc định: thư mục hiện tại).

    Không bao giờ ghi đè tệp đã có.
    """
    from scheduler.project.starter import write_starter_files

    with user_errors():
        written = write_starter_files(Path(directory))
    for path in written:
        click.echo(f"Đã tạo {path}")
    where = "" if directory == "." else f"cd {directory} && "
    click.echo(
        "\nBước tiếp theo:\n"
        f"  1. {where}danvan check            kiểm tra hai tệp vừa tạo\n"
        "  2. Sửa slogans.yaml: đối chiếu từng khẩu hiệu với phụ lục của kế hoạch, rồi chạy lại danvan check\n"
        "  3. danvan preview -o thu-xem   xem trước các thẻ ảnh\n"
        "  4. danvan run                  chạy lịch đăng (mẫu chỉ ghi vào thư mục outbox/)\n"
        "  Kênh Facebook, Zalo: xem các dòng mẫu có dấu # trong config.yaml và hướng dẫn trong README."
    )


@cli.command()
@config_option
@click.option("--online", is_flag=True, help="Kiểm tra thêm mã truy cập của từng kênh với Facebook/Zalo (cần mạng).")
@click.option(
    "--fix", is_flag=True, help="Tự sửa các lỗi an toàn trong slogans.yaml (dạng Unicode, bảng mã cũ, dấu cách)."
)
@click.pass_context
def check(ctx: click.Context, config_path: str | None, online: bool, fix: bool) -> None:
    """Kiểm tra tệp cấu hình và tệp khẩu hiệu; in mỗi vấn đề một dòng: TỆP:DÒNG:CỘT: error|warning: ...

    Mã thoát: 0 không có lỗi (có thể có cảnh báo), 1 có lỗi, 2 không đọc được tệp.
    """
    import datetime as dt

    from scheduler.check import check_project, fix_slogans

    with user_errors():
        path = config_path_of(ctx, config_path)
        if fix:
            fixed = fix_slogans(path)
            for change in fixed.fixes:
                click.echo(
                    f"{fixed.path}:{change.line}:{change.column}: đã sửa: {change.message}: '{change.before}' → '{change.after}' [{change.rule}]"
                )
            click.echo(
                f"Đã sửa {len(fixed.fixes)} chỗ trong {fixed.path}." if fixed.fixes else "Không có gì cần tự sửa.",
                err=True,
            )
        result = check_project(path, online_at=dt.datetime.now(dt.UTC) if online else None)
    for problem in result.problems:
        click.echo(problem.format())
    click.echo(_check_summary(result.errors, result.warnings), err=True)
    sys.exit(result.exit_code)


def _check_summary(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "Không có lỗi hay cảnh báo nào."
    return f"{errors} lỗi, {warnings} cảnh báo."


@cli.command()
@config_option
@click.option("--slogan", "slogan_id", metavar="ID", help="Chỉ vẽ khẩu hiệu có mã này.")
@click.option("--channel", "channel_name", metavar="NAME", help="Dùng mẫu thẻ của kênh này.")
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False), help="Thư mục ghi thẻ ảnh.")
@click.option(
    "--json", "as_json", is_flag=True, help="In một mảng JSON: tệp, mã khẩu hiệu, kênh, kích thước, cỡ chữ, các dòng."
)
@click.pass_context
def preview(
    ctx: click.Context,
    config_path: str | None,
    slogan_id: str | None,
    channel_name: str | None,
    output: str,
    as_json: bool,
) -> None:
    """Vẽ thẻ ảnh vào thư mục OUTPUT mà không đăng; in đường dẫn từng tệp đã ghi (--json: cả các dòng chữ)."""
    import json

    from scheduler.cards import write_previews
    from scheduler.channels import UnknownChannelError, require_channel
    from scheduler.project import load_project

    with user_errors():
        project = load_project(config_path_of(ctx, config_path))
    style = project.config.card
    if channel_name is not None:
        try:
            style = require_channel(project.config, channel_name).card
        except UnknownChannelError as exc:
            fail(str(exc), EXIT_USAGE)
    if slogan_id is not None:
        chosen = project.slogans.get(slogan_id)
        if chosen is None:
            fail(f"không có khẩu hiệu mã '{slogan_id}' trong {project.slogans.path}", EXIT_USAGE)
        slogans = [chosen]
    else:
        slogans = list(project.slogans.enabled)
    failures, written = 0, []
    results = write_previews(slogans, style, Path(output))
    with _progress(results, len(slogans)) as previews:
        for item in previews:
            if item.path is None or item.layout is None:
                failures += 1
                click.echo(f"Lỗi: khẩu hiệu '{item.slogan_id}': {item.error}", err=True)
            elif as_json:
                # `channel` is null when the config's own card design was used (no --channel).
                written.append(
                    {
                        "path": str(item.path),
                        "slogan_id": item.slogan_id,
                        "channel": channel_name,
                        "size": list(style.size),
                        "font_size": item.layout.font_size,
                        "lines": list(item.layout.lines),
                    }
                )
            else:
                click.echo(str(item.path))
    if as_json:
        click.echo(json.dumps(written, ensure_ascii=False, indent=2))
    sys.exit(EXIT_PROBLEMS if failures else EXIT_OK)


@contextmanager
def _progress(items: Iterator[Any], length: int) -> Iterator[Iterator[Any]]:
    """A progress bar on stderr when a person is watching the terminal; plain iteration otherwise."""
    if not sys.stdout.isatty() or length < 2:
        yield items
        return
    with click.progressbar(items, length=length, label="Đang vẽ thẻ", file=sys.stderr) as bar:
        yield bar


@cli.group()
def zalo() -> None:
    """Các lệnh cho kênh Zalo Official Account."""


@zalo.command(name="auth")
@config_option
@click.option("--channel", "channel_name", required=True, metavar="NAME", help="Kênh Zalo cần cấp quyền.")
@click.option("--code", metavar="MÃ", help="Mã cấp quyền (authorization code) hoặc cả đường dẫn trả về sau khi đồng ý.")
@click.option("--verifier", metavar="V", help="code_verifier đã lưu trong trang quản lý ứng dụng Zalo (nếu có).")
@click.pass_context
def zalo_auth(
    ctx: click.Context, config_path: str | None, channel_name: str, code: str | None, verifier: str | None
) -> None:
    """Cấp quyền cho danvan dùng OA: in đường dẫn đồng ý, rồi đổi mã nhận được lấy cặp mã truy cập đầu tiên."""
    from scheduler.channels.zalo.consent import finish_consent, start_consent
    from scheduler.ledger import ZaloLedgerStore

    project = project_of(ctx, config_path)
    with user_errors():
        if code is None:
            consent = start_consent(project, channel_name, ZaloLedgerStore(project.config.database))
            click.echo("1. Đăng nhập Zalo bằng tài khoản quản trị OA rồi mở đường dẫn sau và đồng ý cấp quyền:")
            click.echo(f"   {consent.link}")
            click.echo(
                f"   (code_challenge: {consent.code_challenge} — nếu trang quản lý ứng dụng yêu cầu, hãy lưu giá trị này)"
            )
            click.echo(f"2. Chạy: danvan zalo auth --channel {channel_name} --code MÃ_NHẬN_ĐƯỢC")
            return
        expires = finish_consent(project, channel_name, ZaloLedgerStore(project.config.database), code, verifier)
    click.echo(
        f"Đã lưu mã truy cập Zalo cho kênh {channel_name} (mã truy cập dùng đến {moment_text(expires)} UTC; tự làm mới sau đó)."
    )
