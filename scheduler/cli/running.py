"""Commands that post or plan: `run` (the daemon), `plan`, `post`, `reach`."""

from __future__ import annotations

import sys

import click

from scheduler.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    PLAN_JSON_ROWS,
    PLAN_ROWS,
    cli,
    config_option,
    config_path_of,
    fail,
    project_of,
    user_errors,
)


@cli.command()
@config_option
@click.option("-v", "--verbose", is_flag=True, help="Ghi nhật ký chi tiết hơn.")
@click.pass_context
def run(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """Chạy chương trình đăng bài theo lịch (chạy nền trên máy chủ). SIGTERM hoặc Ctrl+C để dừng."""
    from scheduler.daemon import Daemon
    from scheduler.logsetup import configure_logging
    from scheduler.web.server import console_beside_daemon

    configure_logging(verbose)
    with user_errors(), console_beside_daemon(config_path_of(ctx, config_path)):  # a `web:` section: the console too
        code = Daemon(config_path_of(ctx, config_path)).run()
    sys.exit(code)


@cli.command(name="plan")
@config_option
@click.option("--days", default=2, show_default=True, type=click.IntRange(1, 366), help="Số ngày tới cần xem.")
@click.option(
    "--limit",
    type=click.IntRange(1),
    help=f"Liệt kê tối đa bao nhiêu lượt (bảng: mặc định {PLAN_ROWS}; JSON: mặc định {PLAN_JSON_ROWS}).",
)
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@click.pass_context
def plan_command(ctx: click.Context, config_path: str | None, days: int, limit: int | None, as_json: bool) -> None:
    """Các lượt đăng sắp tới: thời gian, kênh, mã khẩu hiệu, nội dung."""
    import datetime as dt
    import json

    from scheduler.posting.held_back import awaiting_lines, plan_line
    from scheduler.posting.timeline import upcoming_slots

    project = project_of(ctx, config_path, checked=True)
    rows = limit or (PLAN_JSON_ROWS if as_json else PLAN_ROWS)
    with user_errors():
        view = upcoming_slots(project, dt.datetime.now(dt.UTC), dt.timedelta(days=days), rows)
    for held in project.slogans.held_back:
        click.echo(plan_line(held), err=as_json)  # the JSON on stdout stays a list of slots
    for line in awaiting_lines(project):
        click.echo(line, err=as_json)
    if as_json:
        click.echo(json.dumps(view.records(), ensure_ascii=False, indent=2))
    else:
        if view.note:
            click.echo(view.note, err=True)
        click.echo(view.table())
    if view.more_text:
        click.echo(view.more_text, err=True)


@cli.command()
@config_option
@click.option("--channel", "channel_name", required=True, metavar="NAME", help="Kênh cần đăng.")
@click.option("--slogan", "slogan_id", metavar="ID", help="Mã khẩu hiệu (mặc định: khẩu hiệu kế tiếp của kênh).")
@click.pass_context
def post(ctx: click.Context, config_path: str | None, channel_name: str, slogan_id: str | None) -> None:
    """Đăng ngay một thẻ lên một kênh, qua cùng đường đi với chương trình chạy nền (có ghi nhật ký)."""
    from scheduler.logsetup import configure_logging
    from scheduler.posting.held_back import refuse_held_back
    from scheduler.posting.publisher import post_once

    configure_logging(False)
    project = project_of(ctx, config_path, checked=True)
    with user_errors():
        refuse_held_back(project.slogans, slogan_id)
        row = post_once(project, channel_name, slogan_id)
    if row.status == "posted":
        click.echo(f"Đã đăng khẩu hiệu '{row.slogan_id}' lên kênh {row.channel} ({row.remote_id}).")
        return
    fail(f"kênh {row.channel}: {row.error or row.status}", EXIT_PROBLEMS)


@cli.command()
@config_option
@click.pass_context
def reach(ctx: click.Context, config_path: str | None) -> None:
    """Đọc lượt tiếp cận của các bài đến hạn (và mọi bài chưa đọc lần nào), lưu lại và in ra."""
    from scheduler.logsetup import configure_logging
    from scheduler.posting.reach import reach_table, read_reach_now

    configure_logging(False)
    project = project_of(ctx, config_path)
    with user_errors():
        results = read_reach_now(project)
    click.echo(reach_table(results, project.config.timezone))
    sys.exit(EXIT_PROBLEMS if any(r.error for r in results) else EXIT_OK)
