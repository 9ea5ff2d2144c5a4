from scheduler.cli import cli

cli(prog_name="danvan")
