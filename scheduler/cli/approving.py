"""Commands of approval (duyệt): `approve` (and `approve --revoke`), `approvals`."""

from __future__ import annotations

import click

from scheduler.cli.common import EXIT_USAGE, cli, config_option, fail, project_of, user_errors


@cli.command()
@config_option
@click.argument("ids", nargs=-1, metavar="ID...")
@click.option("--all", "every", is_flag=True, help="Duyệt mọi khẩu hiệu đang bật.")
@click.option("--revoke", "revoked", metavar="ID", help="Thu hồi việc duyệt khẩu hiệu này.")
@click.option("--by", "by", required=True, metavar="NAME", help='Họ và tên người duyệt, ví dụ --by "Nguyễn Văn A".')
@click.option("--note", metavar="TEXT", help="Ghi chú kèm theo (lưu trong lịch sử duyệt).")
@click.pass_context
def approve(
    ctx: click.Context,
    config_path: str | None,
    ids: tuple[str, ...],
    every: bool,
    revoked: str | None,
    by: str,
    note: str | None,
) -> None:
    """Duyệt nội dung hiện tại của khẩu hiệu (đúng từng chữ, kèm chú thích của từng kênh), hoặc thu hồi.

    \b
    danvan approve ky-niem-91-nam --by "Nguyễn Văn A"
    danvan approve --all --by "Nguyễn Văn A" --note "Đã duyệt theo Kế hoạch 31-KH/BDVTU"
    danvan approve --revoke ky-niem-91-nam --by "Nguyễn Văn A"
    """
    import datetime as dt

    from scheduler.ledger import Ledger
    from scheduler.posting.approvals import approve as approve_texts
    from scheduler.posting.approvals import revoke

    if sum((bool(ids), every, revoked is not None)) != 1:
        fail("cần đúng một trong: các mã khẩu hiệu, --all, hoặc --revoke ID", EXIT_USAGE)
    project = project_of(ctx, config_path, checked=True)
    now = dt.datetime.now(dt.UTC)
    with user_errors(), Ledger.open(project.config.database) as ledger:
        if revoked is not None:
            revoke(ledger, project.slogans, revoked, by, now, note)
            click.echo(f"Đã thu hồi việc duyệt khẩu hiệu '{revoked}'; khẩu hiệu này không được đăng nữa.")
            return
        added = approve_texts(ledger, project.slogans, project.config, None if every else ids, by, note, now)
    done = {record.slogan_id for record in added}
    for record in added:
        click.echo(f"Đã duyệt '{record.slogan_id}': {record.text}")
    wanted = [s.id for s in project.slogans.enabled] if every else list(dict.fromkeys(ids))
    for slogan_id in wanted:
        if slogan_id not in done:
            click.echo(f"'{slogan_id}' đã được duyệt đúng nội dung này từ trước; không ghi thêm.")


@cli.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@click.pass_context
def approvals(ctx: click.Context, config_path: str | None, as_json: bool) -> None:
    """Tình trạng duyệt của từng khẩu hiệu (thay đổi mới nhất trước): ai duyệt, lúc nào, nội dung đã sửa chưa."""
    from scheduler.ledger import Ledger
    from scheduler.posting.approvals import approval_json, approval_states, state_text

    project = project_of(ctx, config_path, checked=True)
    config = project.config
    with user_errors():
        if config.database.exists():  # a look must not create the database
            with Ledger.open(config.database) as ledger:
                states = approval_states(ledger, project.slogans, config)
        else:
            states = approval_states(None, project.slogans, config)
    if as_json:
        click.echo(approval_json(states, config.timezone))
        return
    if not config.posting.approval_required:
        click.echo("Lưu ý: posting.approval đang là off: khẩu hiệu được đăng dù chưa duyệt.", err=True)
    for state in states:
        click.echo(state_text(state, config.timezone))
