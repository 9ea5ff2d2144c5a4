"""The `danvan` command line: parse arguments, call one library function, print.

Heavy modules (Pillow, APScheduler) are imported inside the commands that need them so that
`danvan --help` and `danvan log` start quickly.
"""

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


def _load(ctx: click.Context, config_path: str | None, *, checked: bool = False) -> Any:
    """The project; `checked`: as the daemon runs it, a slogan with errors held back (holdback.py)."""
    from scheduler.logsetup import log_in_timezone, redact_secrets
    from scheduler.project import load_project

    with user_errors():
        path = config_path_of(ctx, config_path)
        if checked:
            from scheduler.holdback import load_checked_project  # proofreading and card fitting: only when needed

            project = load_checked_project(path)
        else:
            project = load_project(path)
    # Every command that reads the config blanks its secrets from whatever it logs, not only `run`.
    redact_secrets(project.config.secrets())
    log_in_timezone(project.config.timezone)
    return project


@cli.command()
@config_option
@click.option("-v", "--verbose", is_flag=True, help="Ghi nhật ký chi tiết hơn.")
@click.pass_context
def run(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """Chạy chương trình đăng bài theo lịch (chạy nền trên máy chủ). SIGTERM hoặc Ctrl+C để dừng."""
    from scheduler.daemon import Daemon
    from scheduler.logsetup import configure_logging

    configure_logging(verbose)
    with user_errors():
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

    from scheduler.posting.held_back import plan_line
    from scheduler.posting.timeline import upcoming_slots

    project = _load(ctx, config_path, checked=True)
    rows = limit or (PLAN_JSON_ROWS if as_json else PLAN_ROWS)
    with user_errors():
        view = upcoming_slots(project, dt.datetime.now(dt.UTC), dt.timedelta(days=days), rows)
    for held in project.slogans.held_back:
        click.echo(plan_line(held), err=as_json)  # the JSON on stdout stays a list of slots
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
    project = _load(ctx, config_path, checked=True)
    with user_errors():
        refuse_held_back(project.slogans, slogan_id)
        row = post_once(project, channel_name, slogan_id)
    if row.status == "posted":
        click.echo(f"Đã đăng khẩu hiệu '{row.slogan_id}' lên kênh {row.channel} ({row.remote_id}).")
        return
    fail(f"kênh {row.channel}: {row.error or row.status}", EXIT_PROBLEMS)


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
    project = _load(ctx, config_path)
    tz = project.config.timezone
    try:
        since_at = report.parse_day(since, tz) if since else None
    except ValueError:
        fail(f"--since '{since}' không phải ngày dạng YYYY-MM-DD", EXIT_USAGE)
    table = not (as_json or as_csv)
    rows = limit or (TABLE_ROWS if table and not show_all else None)
    with user_errors(), Ledger.open(project.config.database) as ledger:
        lines = ledger.log_lines(since=since_at, channel=channel_name, status=status, limit=rows)
        hidden = ledger.count_posts(since=since_at, channel=channel_name, status=status) - len(lines) if table else 0
    if as_json:
        click.echo(posting_log.log_json(lines, tz))
    elif as_csv:
        click.echo(posting_log.log_csv(lines, tz), nl=False)
    else:
        click.echo(posting_log.log_table(lines, tz))
        if hidden > 0:
            click.echo(f"… còn {hidden} lượt cũ hơn; xem thêm bằng --limit N, --since NGÀY hoặc --all", err=True)


@cli.command()
@config_option
@click.pass_context
def reach(ctx: click.Context, config_path: str | None) -> None:
    """Đọc lượt tiếp cận của các bài đến hạn (và mọi bài chưa đọc lần nào), lưu lại và in ra."""
    from scheduler.logsetup import configure_logging
    from scheduler.posting.reach import reach_table, read_reach_now

    configure_logging(False)
    project = _load(ctx, config_path)
    with user_errors():
        results = read_reach_now(project)
    click.echo(reach_table(results, project.config.timezone))
    sys.exit(EXIT_PROBLEMS if any(r.error for r in results) else EXIT_OK)


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

    project = _load(ctx, config_path)
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
        f"Đã lưu mã truy cập Zalo cho kênh {channel_name} (mã truy cập dùng đến {expires:%d/%m/%Y %H:%M} UTC; tự làm mới sau đó)."
    )


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

    project = _load(ctx, config_path, checked=True)
    now = dt.datetime.now(dt.UTC)
    with user_errors():
        health = check_health(project.config, now, project.slogans.held_back)
    if as_json:
        payload = {"healthy": health.healthy, **dataclasses.asdict(health)}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(describe(health, project.config, now))
    sys.exit(EXIT_OK if health.healthy else EXIT_PROBLEMS)


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

    project = _load(ctx, config_path)
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
        from scheduler.reports.campaign import card_thumbnails
        from scheduler.reports.html import render_html

        Path(html_file).write_text(render_html(result, card_thumbnails(project), now), encoding="utf-8")
        click.echo(f"Đã ghi {html_file}", err=True)


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
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def backup(ctx: click.Context, config_path: str | None, file: str) -> None:
    """Sao lưu cơ sở dữ liệu vào TỆP, an toàn cả khi chương trình đang chạy (ghi đè TỆP nếu đã có)."""
    from scheduler.ledger.backup import backup_database

    project = _load(ctx, config_path)
    with user_errors():
        done = backup_database(project.config.database, Path(file))
    approvals = "" if done.approvals is None else f", {done.approvals} lượt duyệt"
    click.echo(f"Đã sao lưu vào {done.path} ({done.size / 1_000_000:.1f} MB, {done.posts} lượt đăng{approvals}).")
