"""`flask calls sweep`: end the calls whose time is up, for a cron job beside the Socket.IO processes' own clocks."""

import click

from app.clock import utcnow
from video.ticker import tick


@click.group("calls")
def calls():
    """Video calls."""


@calls.command("sweep")
def sweep():
    """Mark unanswered calls missed and end calls that never connected, ran too long or were not rejoined; each is
    announced to both sides (through Redis) and written into the chat, as the processes' own sweeper does."""
    tick(utcnow())
    click.echo("Calls swept.")
