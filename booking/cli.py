"""Command-line tasks: flask --app booking <command>."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from booking import demo
from booking.exceptions import InvalidInput
from booking.models import OrganisationKind, Role
from booking.services import accounts


def register(app: Flask) -> None:
    for command in (init_db_command, create_org_command, create_user_command,
                    demo_data_command, expire_requests_command, worker_command):
        app.cli.add_command(command)


@click.command("init-db")
def init_db_command() -> None:
    """Create the schema, or upgrade it to the newest migration."""
    upgrade()
    click.echo("The database schema is up to date.")


@click.command("create-org")
@click.argument("name")
@click.option("--kind", type=click.Choice([k.value for k in OrganisationKind]), required=True)
def create_org_command(name: str, kind: str) -> None:
    """Admit a member organisation."""
    try:
        organisation = accounts.create_organisation(name, kind)
    except InvalidInput as exc:
        raise click.ClickException(_messages(exc)) from exc
    click.echo(f"Created organisation {organisation.id}: {organisation.name}")


@click.command("create-user")
@click.argument("email")
@click.option("--org", "org_name", required=True, help="Name of the user's organisation.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value)
@click.option("--name", default="", help="Full name (defaults to the e-mail's local part).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email: str, org_name: str, role: str, name: str, password: str) -> None:
    """Add a person to an organisation."""
    organisation = accounts.find_organisation_by_name(org_name)
    if organisation is None:
        raise click.ClickException(f"No organisation named {org_name!r}.")
    try:
        user = accounts.create_user(email=email, name=name or email.split("@")[0],
                                    password=password, organisation=organisation, role=role)
    except InvalidInput as exc:
        raise click.ClickException(_messages(exc)) from exc
    click.echo(f"Created user {user.id}: {user.email} ({user.role.value})")


@click.command("demo-data")
def demo_data_command() -> None:
    """Fill the database with a believable consortium (skipped if it is already there)."""
    created = demo.load()
    if created:
        click.echo("Demo consortium created.")
    else:
        click.echo("Demo consortium already present.")
    click.echo("Sign in with any of these (password: %s):" % demo.PASSWORD)
    for email, what in demo.LOGINS:
        click.echo(f"  {email:32} {what}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", default=5.0, show_default=True,
              help="Seconds between rounds when running until stopped.")
def worker_command(once: bool, interval: float) -> None:
    """Send the notification mail (and queue reminders): until stopped, or --once.

    Exits 0 after a round even when the mail server was down: the mail waits for the next.
    """
    import logging
    import signal
    import threading

    from booking.notifications import delivery

    # Through the app's log handler: each mail (without MAIL_URL) and each round's outcome.
    logging.getLogger("booking.mail").setLevel(logging.INFO)
    current_app.logger.debug("worker starting")  # makes Flask attach its log handler
    if once:
        report = delivery.run_once()
        click.echo(f"Mail: {report.sent} sent, {report.retried} to retry, "
                   f"{report.failed} failed, {report.skipped} switched off; "
                   f"{report.reminders} reminders queued.")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Delivering notifications until stopped (Ctrl+C).")
    delivery.run_forever(stop, interval=interval)


def _messages(exc: InvalidInput) -> str:
    return "; ".join(f"{field}: {', '.join(map(str, msgs))}" for field, msgs in exc.fields.items())


@click.command("expire-requests")
def expire_requests_command() -> None:
    """Turn down requests nobody decided within their resource's request_expiry_days."""
    from booking.services.expiry import expire_requests

    click.echo(f"Expired {expire_requests()} waiting bookings.")
