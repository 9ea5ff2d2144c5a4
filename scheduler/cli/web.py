"""`danvan web`: the web console alone, on the same database as the daemon."""

from __future__ import annotations

import click

from scheduler.cli.common import EXIT_PROBLEMS, cli, config_option, config_path_of, fail, project_of, user_errors


@cli.command()
@config_option
@click.option("--host", default=None, help="Địa chỉ lắng nghe (mặc định: web.listen trong cấu hình, hoặc 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Cổng (mặc định: web.listen, hoặc 8080).")
@click.pass_context
def web(ctx: click.Context, config_path: str | None, host: str | None, port: int | None) -> None:
    """Mở bảng điều khiển web (xem lịch, nhật ký, báo cáo, duyệt khẩu hiệu) cho đến khi nhận SIGTERM."""
    from scheduler.logsetup import configure_logging
    from scheduler.project.models import WebConsole
    from scheduler.web.app import create_app
    from scheduler.web.server import serve_until_signal

    configure_logging(False)
    settings = project_of(ctx, config_path).config.web or WebConsole()
    with user_errors():
        app = create_app(config_path_of(ctx, config_path))
        try:
            serve_until_signal(app, host or settings.host, port or settings.port)
        except OSError as exc:  # the port is taken, or the address is not this machine's
            fail(
                f"không mở được bảng điều khiển web ở {host or settings.host}:{port or settings.port}: {exc}",
                EXIT_PROBLEMS,
            )
