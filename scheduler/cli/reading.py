"""Commands that read what happened: `log`, `report`, `status`, `backup`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    TABLE_ROWS,
    cli,
    config_option,
    fail,
    project_of,
    user_errors,
)


@cli.command()
@config_option
@click.option("--since", metavar="DATE", help="Chỉ từ ngày này (YYYY-MM-DD).")
@click.option("--channel", "channel_name", metavar="NAME", help="Chỉ kênh này.")
@click.option(
    "--status",
    type=click.Choice(["planned", "sending", "posted", "failed", "missed", "unknown"]),
    help="Chỉ các lượt có trạng thái này.",
)
@click.option("--limit", type=click.IntRange(1), help=f"Tối đa bao nhiêu dòng (bảng: mặc định {TABLE_ROWS}).")
@click.option("--all", "show_all", is_flag=True, help="In mọi dòng của bảng.")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON (một mảng).")
@click.option("--csv", "as_csv", is_flag=True, help="In dạng CSV.")
@click.pass_context
def log(
    ctx: click.Context,
    config_path: str | None,
    since: str | None,
    channel_name: str | None,
    status: str | None,
    limit: int | None,
    show_all: bool,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Nhật ký đăng bài, mới nhất trước. JSON và CSV có mọi dòng; bảng chỉ các dòng mới nhất, trừ khi --all."""
    from scheduler.ledger import Ledger
    from scheduler.reports import log as posting_log
    from scheduler.reports import text as report

    if as_json and as_csv:
        fail("chỉ dùng một trong --json hoặc --csv", EXIT_USAGE)
    project = project_of(ctx, config_path)
    tz = project.config.timezone
    try:
        since_at = report.parse_day(since, tz) if since else None
    except ValueError:
        fail(f"--since '{since}' không phải ngày dạng YYYY-MM-DD", EXIT_USAGE)
    table = not (as_json or as_csv)
    rows = limit or (TABLE_ROWS if table and not show_all else None)
    with user_errors(), Ledger.open(project.config.database) as ledger:
        if as_json:
            click.echo(posting_log.log_json(ledger.log_json_rows(since_at, channel_name, status, rows), tz))
            return
        lines = ledger.log_lines(since=since_at, channel=channel_name, status=status, limit=rows)
        hidden = ledger.count_posts(since=since_at, channel=channel_name, status=status) - len(lines) if table else 0
    if as_csv:
        click.echo(posting_log.log_csv(lines, tz), nl=False)
    else:
        click.echo(posting_log.log_table(lines, tz))
        if hidden > 0:
            click.echo(f"… còn {hidden} lượt cũ hơn; xem thêm bằng --limit N, --since NGÀY hoặc --all", err=True)


@cli.command()
@config_option
@click.option("--since", metavar="DATE", help="Từ ngày (YYYY-MM-DD; mặc định: ngày đầu kế hoạch).")
@click.option("--until", metavar="DATE", help="Đến hết ngày (YYYY-MM-DD; mặc định: ngày cuối kế hoạch).")
@click.option(
    "--csv", "csv_file", type=click.Path(dir_okay=False), help="Ghi bảng từng lượt đăng ra tệp CSV (mở bằng Excel)."
)
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Ghi trang báo cáo HTML (in được trên A4).")
@click.pass_context
def report(
    ctx: click.Context,
    config_path: str | None,
    since: str | None,
    until: str | None,
    csv_file: str | None,
    html_file: str | None,
) -> None:
    """Báo cáo kết quả theo kênh, theo khẩu hiệu và theo ngày cho một khoảng thời gian."""
    import datetime as dt

    from scheduler.ledger import Ledger
    from scheduler.reports.campaign import build_report
    from scheduler.reports.text import report_csv, report_text

    project = project_of(ctx, config_path)
    plan_info = project.slogans.plan
    try:
        first = dt.date.fromisoformat(since) if since else plan_info.start
        last = dt.date.fromisoformat(until) if until else plan_info.end
    except ValueError:
        fail("--since/--until phải là ngày dạng YYYY-MM-DD", EXIT_USAGE)
    if last < first:
        fail("--until phải sau --since", EXIT_USAGE)
    now = dt.datetime.now(dt.UTC)
    with user_errors(), Ledger.open(project.config.database) as ledger:
        result = build_report(project, ledger, first, last, now, every_post=bool(csv_file or html_file))
    click.echo(report_text(result))
    if csv_file:
        Path(csv_file).write_text(report_csv(result), encoding="utf-8")  # the text starts with its BOM
        click.echo(f"Đã ghi {csv_file}", err=True)
    if html_file:
        from scheduler.reports.campaign import approvals_of, card_thumbnails
        from scheduler.reports.html import render_html

        page = render_html(result, card_thumbnails(project), now, approvals_of(project))
        Path(html_file).write_text(page, encoding="utf-8")
        click.echo(f"Đã ghi {html_file}", err=True)


@cli.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@click.pass_context
def status(ctx: click.Context, config_path: str | None, as_json: bool) -> None:
    """Chương trình có đang chạy không, lượt đăng tiếp theo, trạng thái từng kênh và các sự cố cần xử lý.

    Mã thoát 1 khi chương trình không chạy (hoặc treo) hoặc có kênh đang tạm dừng.
    """
    import dataclasses
    import datetime as dt
    import json

    from scheduler.health import check_health, describe
    from scheduler.posting.held_back import awaiting_lines

    project = project_of(ctx, config_path, checked=True)
    now = dt.datetime.now(dt.UTC)
    with user_errors():
        health = check_health(project.config, now, project.slogans.held_back, awaiting_lines(project))
    if as_json:
        payload = {"healthy": health.healthy, **dataclasses.asdict(health)}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(describe(health, project.config, now))
    sys.exit(EXIT_OK if health.healthy else EXIT_PROBLEMS)


@cli.command()
@config_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, config_path: str | None, file: str) -> None:
    """Sao lưu cơ sở dữ liệu vào TỆP, an toàn cả khi chương trình đang chạy (ghi đè TỆP nếu đã có)."""
    from scheduler.ledger.backup import backup_database

    project = project_of(ctx, config_path)
    with user_errors():
        done = backup_database(project.config.database, Path(file))
    approvals = "" if done.approvals is None else f", {done.approvals} lượt duyệt"
    click.echo(f"Đã sao lưu vào {done.path} ({done.size / 1_000_000:.1f} MB, {done.posts} lượt đăng{approvals}).")
