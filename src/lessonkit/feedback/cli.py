"""``lessonkit service`` (also ``lessonkit feedback``, its first name): run the service and manage it.

Every command takes ``--db URL`` (or the LESSONKIT_FEEDBACK_DB environment
variable); the default is ``sqlite:///feedback.sqlite3`` in the working folder.
Exit status: 0 success, 1 errors, 2 usage errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from lessonkit.feedback.db import DEFAULT_DB, DatabaseURLError

DB_OPTION = click.option("--db", "db_url", default=DEFAULT_DB, show_default=True, envvar="LESSONKIT_FEEDBACK_DB",
                         help="Database URL: sqlite:///FILE or postgresql://USER@HOST/NAME "
                              "(env: LESSONKIT_FEEDBACK_DB).")


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@contextmanager
def opened(db_url: str) -> Iterator[Any]:
    """The database, migrated; turns connection problems into a clear error (exit 1)."""
    from sqlalchemy.exc import SQLAlchemyError

    from lessonkit.feedback.db import open_database

    try:
        database = open_database(db_url)
    except DatabaseURLError as exc:
        raise click.BadParameter(str(exc), param_hint="--db") from exc
    except SQLAlchemyError as exc:
        fail(f"cannot open the database {_shown(db_url)}: {exc.__class__.__name__}: "
             f"{(str(exc).strip().splitlines() or [''])[0]}")
    try:
        yield database
    finally:
        database.dispose()


def _shown(db_url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:
        return "(the given URL)"


def in_transaction(db_url: str, action: Callable[[Any], Any], *errors: type[Exception]) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    with opened(db_url) as database:
        try:
            with database.write() as session:
                return action(session)
        except errors as exc:
            fail(str(exc))
        except SQLAlchemyError as exc:
            fail(f"database error: {exc.__class__.__name__}: {(str(exc).strip().splitlines() or [''])[0]}")


def mail_options(command: Callable) -> Callable:
    """The e-mail options shared by ``serve`` and ``remind``."""
    options = [
        click.option("--smtp-host", default="", envvar="LESSONKIT_SMTP_HOST", metavar="HOST",
                     help="Send workshop e-mails through this SMTP server (env: LESSONKIT_SMTP_HOST); "
                          "without it they are written to the --outbox folder."),
        click.option("--smtp-port", default=25, show_default=True, type=click.IntRange(1, 65535),
                     envvar="LESSONKIT_SMTP_PORT"),
        click.option("--smtp-starttls", is_flag=True, help="Use STARTTLS."),
        click.option("--smtp-user", default="", envvar="LESSONKIT_SMTP_USER",
                     help="Log in to the SMTP server as this user (password: LESSONKIT_SMTP_PASSWORD)."),
        click.option("--mail-from", default="lessonkit@localhost", show_default=True, envvar="LESSONKIT_MAIL_FROM",
                     help="The From address of workshop e-mails."),
        click.option("--outbox", default="lessonkit-outbox", show_default=True, envvar="LESSONKIT_OUTBOX",
                     type=click.Path(file_okay=False), help="Folder for e-mails not sent through SMTP."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def feedback() -> None:
    """The lessonkit service: feedback on lessons (page ratings and comments, review
    rounds with invited reviewers, questionnaires) and workshops (registration with a
    waiting list, e-mails, attendance). `lessonkit feedback` is the same command.

    Start with `lessonkit service create-user NAME --admin`, register a lesson with
    `add-lesson` or publish a workshop with `workshop publish FILE`, then run `serve`.
    """


@feedback.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8100, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--public-url", metavar="URL",
              help="The address people reach the service at, for invitation links "
                   "(default: http://HOST:PORT). Links are never made from the request's Host header.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes. Rate limits, sessions and invitations are shared through the "
                   "database, so several workers (or hosts) over one PostgreSQL keep the same guarantees.")
@click.option("--allow-origin", "allow_origins", multiple=True, metavar="ORIGIN",
              help="A site allowed to send feedback for every lesson (repeatable); lessons' own sites "
                   "are set with add-lesson --site.")
@click.option("--rate-limit", "rate_feedback", default="30/60", show_default=True, metavar="N/SECONDS",
              help="Per-address limit on page-widget submissions ('off' for none).")
@click.option("--form-rate-limit", "rate_forms", default="30/60", show_default=True, metavar="N/SECONDS",
              help="Per-address limit on reviewer comments and questionnaire answers ('off' for none).")
@click.option("--login-rate-limit", "rate_login", default="10/60", show_default=True, metavar="N/SECONDS",
              help="Per-address limit on login attempts.")
@click.option("--login-account-rate-limit", "rate_login_account", default="10/600", show_default=True,
              metavar="N/SECONDS", help="Per-account limit on failed logins, from any address.")
@click.option("--secure-cookies", is_flag=True, help="Mark cookies Secure (when served over https behind a proxy).")
@click.option("--trust-proxy", "trusted_proxies", multiple=True, metavar="IP",
              help="A reverse proxy whose X-Forwarded-For header gives the client's address (repeatable); "
                   "rate limits are per client address (an IPv6 address per /64).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@mail_options
def serve(db_url: str, host: str, port: int, public_url: str | None, workers: int, allow_origins: tuple[str, ...],
          rate_feedback: str, rate_forms: str, rate_login: str, rate_login_account: str, secure_cookies: bool,
          trusted_proxies: tuple[str, ...], log_level: str, smtp_host: str, smtp_port: int, smtp_starttls: bool,
          smtp_user: str, mail_from: str, outbox: str) -> None:
    """Run the feedback service (the web application) until interrupted."""
    import os

    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from lessonkit.feedback.app import create_app, load_secret, one_line
    from lessonkit.feedback.cors import normalise_origin
    from lessonkit.feedback.ratelimit import Rate
    from lessonkit.feedback.settings import Settings

    try:
        origins = frozenset(normalise_origin(o) for o in allow_origins)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--allow-origin") from exc
    if public_url is None:
        shown = f"[{host}]" if ":" in host else host
        public_url = f"http://{shown}:{port}"
    try:
        normalise_origin(public_url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--public-url") from exc
    rates = {}
    for name, text in (("rate_feedback", rate_feedback), ("rate_forms", rate_forms), ("rate_login", rate_login),
                       ("rate_login_account", rate_login_account)):
        try:
            rates[name] = Rate.parse(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--" + name.replace("_", "-")) from exc
    with opened(db_url) as database:  # check, migrate and make the secret before listening
        try:
            load_secret(database)
        except SQLAlchemyError as exc:
            fail(f"cannot use the database {database.describe()}: {one_line(exc)}")
        where = database.describe()
    settings = Settings(db_url=db_url, public_url=public_url.rstrip("/"), allow_origins=origins,
                        secure_cookies=secure_cookies, migrate=False, smtp_host=smtp_host, smtp_port=smtp_port,
                        smtp_starttls=smtp_starttls, smtp_user=smtp_user, mail_from=mail_from,
                        outbox=str(Path(outbox).resolve()), **rates)
    click.echo(f"lessonkit service: database {where}; listening on http://{host}:{port}/"
               + (f" with {workers} workers" if workers > 1 else ""), err=True)
    common = {"host": host, "port": port, "log_level": log_level, "access_log": False,
              "proxy_headers": bool(trusted_proxies), "forwarded_allow_ips": ",".join(trusted_proxies) or None}
    if workers == 1:
        uvicorn.run(create_app(settings), **common)
        return
    os.environ["LESSONKIT_FEEDBACK_SETTINGS"] = settings.to_json()
    uvicorn.run("lessonkit.feedback.app:create_app_from_environment", factory=True, workers=workers, **common)


@feedback.command()
@DB_OPTION
def migrate(db_url: str) -> None:
    """Create the database tables or bring them up to date (serve does this too)."""
    with opened(db_url) as database:
        click.echo(f"database {database.describe()} is up to date")


@feedback.command("create-user")
@DB_OPTION
@click.argument("username")
@click.option("--admin", is_flag=True, help="A coordinator who manages lessons, rounds, users and questionnaires.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
@click.option("--lesson", "lesson_ids", multiple=True, metavar="LESSON",
              help="A lesson whose feedback this author triages (repeatable; admins see every lesson).")
def create_user(db_url: str, username: str, admin: bool, password_stdin: bool, lesson_ids: tuple[str, ...]) -> None:
    """Add an author (or, with --admin, a coordinator) who logs in with a password."""
    from lessonkit.feedback import auth

    password = _read_password(password_stdin)

    def action(session):
        user = auth.create_user(session, username, password, "admin" if admin else "author")
        if lesson_ids:
            auth.grant_lessons(session, user.username, list(lesson_ids))
        return user

    user = in_transaction(db_url, action, auth.AuthError)
    click.echo(f"created {user.role} {user.username}" + (f" for {', '.join(lesson_ids)}" if lesson_ids else ""))


@feedback.command("grant")
@DB_OPTION
@click.argument("username")
@click.argument("lesson_ids", nargs=-1, required=True, metavar="LESSON...")
@click.option("--withdraw", is_flag=True, help="Take the access away instead.")
def grant(db_url: str, username: str, lesson_ids: tuple[str, ...], withdraw: bool) -> None:
    """Let an author see and triage these lessons' feedback (or, with --withdraw, no longer)."""
    from lessonkit.feedback import auth

    change = auth.withdraw_lessons if withdraw else auth.grant_lessons
    have = in_transaction(db_url, lambda s: change(s, username, list(lesson_ids)), auth.AuthError)
    click.echo(f"{username} triages: {', '.join(have) or '(no lessons)'}")


@feedback.command("set-password")
@DB_OPTION
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
def set_password(db_url: str, username: str, password_stdin: bool) -> None:
    """Change a user's password (and log them out everywhere)."""
    from lessonkit.feedback import auth

    password = _read_password(password_stdin)
    in_transaction(db_url, lambda s: auth.set_password(s, username, password), auth.AuthError)
    click.echo(f"password changed for {username}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@feedback.command("add-lesson")
@DB_OPTION
@click.argument("lesson_id")
@click.option("--title", help="The lesson's title (default: its id).")
@click.option("--site", "sites", multiple=True, metavar="ORIGIN",
              help="Origin of a site serving the lesson, allowed to send feedback (repeatable), "
                   "e.g. https://example.github.io")
@click.option("--from-site", "site_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A site built by `lessonkit build`: read its episodes and section headings for reviewers.")
def add_lesson(db_url: str, lesson_id: str, title: str | None, sites: tuple[str, ...], site_dir: Path | None) -> None:
    """Register a lesson (LESSON_ID is config.yaml's feedback_lesson, or the lesson folder's name)."""
    from lessonkit.feedback import lessons

    pages = None
    if site_dir is not None:
        try:
            pages = lessons.read_site(site_dir)
        except lessons.LessonError as exc:
            fail(str(exc))

    def action(session):
        lesson = lessons.add_or_update_lesson(session, lesson_id, title, list(sites))
        count = lessons.import_pages(session, lesson_id, pages) if pages is not None else None
        return lesson.id, lesson.origins, count

    lid, origins, count = in_transaction(db_url, action, lessons.LessonError)
    click.echo(f"lesson {lid}: sites {', '.join(origins) or '(none yet)'}"
               + (f"; {count} episodes read" if count is not None else ""))


@feedback.command("open-round")
@DB_OPTION
@click.argument("lesson_id")
@click.option("--title", required=True, help="The round's title, e.g. 'Draft review, March'.")
def open_round(db_url: str, lesson_id: str, title: str) -> None:
    """Open a review round for a lesson; prints the round's number."""
    from lessonkit.feedback import rounds

    round_id = in_transaction(db_url, lambda s: rounds.open_round(s, lesson_id, title).id, rounds.RoundError)
    click.echo(f"opened review round {round_id}")


@feedback.command("close-round")
@DB_OPTION
@click.argument("round_id", type=int)
def close_round(db_url: str, round_id: int) -> None:
    """Close a review round: its reviewers can no longer add comments."""
    from lessonkit.feedback import rounds

    in_transaction(db_url, lambda s: rounds.close_round(s, round_id), rounds.RoundError)
    click.echo(f"closed review round {round_id}")


@feedback.command()
@DB_OPTION
@click.argument("round_id", type=int)
@click.option("--name", required=True, help="The reviewer's name.")
@click.option("--email", default="", help="The reviewer's e-mail address (for your records).")
@click.option("--base-url", default="http://127.0.0.1:8100", show_default=True,
              help="The service's public address, for the link.")
def invite(db_url: str, round_id: int, name: str, email: str, base_url: str) -> None:
    """Invite a reviewer to a round; prints their one-time link (shown only now)."""
    from lessonkit.feedback import auth

    def action(session):
        invitation, token = auth.create_invitation(session, round_id, name, email)
        return invitation.id, token

    invitation_id, token = in_transaction(db_url, action, auth.AuthError)
    click.echo(f"invitation {invitation_id} for {name}:")
    click.echo(f"{base_url.rstrip('/')}/invite/{token}")


@feedback.command()
@DB_OPTION
@click.argument("invitation_id", type=int)
def revoke(db_url: str, invitation_id: int) -> None:
    """Withdraw an invitation: its link and the reviewer's session stop working."""
    from lessonkit.feedback import auth

    in_transaction(db_url, lambda s: auth.revoke_invitation(s, invitation_id), auth.AuthError)
    click.echo(f"withdrew invitation {invitation_id}")


@feedback.command("load-questionnaire")
@DB_OPTION
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_questionnaire(db_url: str, file: Path) -> None:
    """Load a questionnaire from YAML (replacing one with the same id); it is served at /q/ID."""
    from lessonkit.feedback import questionnaires

    try:
        definition = questionnaires.load_yaml(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    except questionnaires.QuestionnaireError as exc:
        click.echo(f"error: {file} is not a valid questionnaire:", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)

    def action(session):
        row, new = questionnaires.install(session, definition)
        return row.slug, new

    slug, new = in_transaction(db_url, action)
    click.echo(f"{'loaded' if new else 'updated'} questionnaire {slug}: served at /q/{slug}")


@feedback.command("export")
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "md"]), default="csv", show_default=True)
@click.option("--lesson", default="", help="Only this lesson.")
@click.option("--page", default="", help="Only this episode.")
@click.option("--status", default="", help="Only this status (new, accepted, declined, done).")
@click.option("--category", default="", help="Only this category.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
def export_command(db_url: str, fmt: str, lesson: str, page: str, status: str, category: str,
                   output: Path | None) -> None:
    """Export feedback as CSV, JSON or Markdown issue bodies."""
    from lessonkit.feedback import export, triage
    from lessonkit.feedback.errors import ClientError

    try:
        filters = triage.parse_filters({"lesson": lesson, "page": page, "status": status, "category": category})
    except ClientError as exc:
        raise click.UsageError(exc.message) from exc
    with opened(db_url) as database, database.read() as session:
        rows = triage.find(session, filters)
    text = export.render(rows, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc}")
        click.echo(f"wrote {len(rows)} item(s) to {output}", err=True)


# --- workshops (issue #18) ---------------------------------------------------------------------

def _mailer(smtp_host: str, smtp_port: int, smtp_starttls: bool, smtp_user: str, mail_from: str, outbox: str):
    from lessonkit.feedback.workshops.mail import Mailer

    return Mailer(smtp_host=smtp_host, smtp_port=smtp_port, smtp_starttls=smtp_starttls, smtp_user=smtp_user,
                  mail_from=mail_from, outbox=outbox)


def _cli_user() -> str:
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name in this environment
        return "cli:unknown"


@feedback.group("workshop")
def workshop_group() -> None:
    """Publish workshops (from workshop files) and give people roles in them."""


@workshop_group.command("publish")
@DB_OPTION
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--allow-past", is_flag=True, help="Accept sessions in the past (to record a past workshop).")
@click.option("--retention-days", type=click.IntRange(0, 36500), metavar="DAYS",
              help="Delete this workshop's personal data DAYS days after it ends (see `retention`).")
def workshop_publish(db_url: str, file: Path, allow_past: bool, retention_days: int | None) -> None:
    """Create or update a workshop from its workshop file (docs/workshops.md): its sessions,
    capacity and registration window. It is then served at /workshops/SLUG."""
    from lessonkit.feedback.workshops import store

    try:
        store.read_workshop_file(file, allow_past=allow_past)  # report the file's problems before the database's
    except store.WorkshopError as exc:
        click.echo(f"error: {exc}:", err=True)
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)

    def action(session):
        row, created = store.publish(session, file, allow_past=allow_past, retention_days=retention_days)
        return row.slug, created, row.capacity, len(store.sessions_of(session, row.id))

    slug, created, capacity, count = in_transaction(db_url, action, store.WorkshopError)
    click.echo(f"{'published' if created else 'updated'} workshop {slug}: {count} session(s), "
               f"{capacity if capacity is not None else 'unlimited'} seats; served at /workshops/{slug}")


@workshop_group.command("list")
@DB_OPTION
def workshop_list(db_url: str) -> None:
    """The published workshops and their counts (no personal data)."""
    from lessonkit.feedback.workshops import store

    with opened(db_url) as database, database.read() as session:
        for row in store.list_workshops(session):
            counts = store.headcounts(session, row.id)
            click.echo(f"{row.slug}\t{row.starts_at:%Y-%m-%d}\tseated {counts['seated']}/"
                       f"{row.capacity if row.capacity is not None else '-'}\twaiting {counts['waiting']}\t"
                       f"attended {counts['attended_any']}")


@workshop_group.command("grant")
@DB_OPTION
@click.argument("username")
@click.argument("workshop")
@click.option("--role", type=click.Choice(["organiser", "instructor"]), default="organiser", show_default=True,
              help="organiser: sees and exports personal data; instructor: sign-in codes, attendance, reports.")
@click.option("--withdraw", is_flag=True, help="Take the role away instead.")
def workshop_grant(db_url: str, username: str, workshop: str, role: str, withdraw: bool) -> None:
    """Make a user an organiser or instructor of one workshop (or, with --withdraw, no longer)."""
    from lessonkit.feedback.workshops import store

    if withdraw:
        in_transaction(db_url, lambda s: store.withdraw(s, username, workshop), store.WorkshopError)
        click.echo(f"{username} has no role in {workshop} now")
        return
    in_transaction(db_url, lambda s: store.grant(s, username, workshop, role), store.WorkshopError)
    click.echo(f"{username} is an {role} of {workshop}")


@workshop_group.command("headcount")
@DB_OPTION
@click.argument("workshop")
def workshop_headcount(db_url: str, workshop: str) -> None:
    """Registration and attendance counts; `attended` is the learner headcount AMY asks for."""
    from lessonkit.feedback.workshops import store

    def action(session):
        return store.headcounts(session, store.find_workshop(session, workshop).id)

    counts = in_transaction(db_url, action, store.WorkshopError)
    click.echo(f"registered {counts['registered']} (seated {counts['seated']}, waiting {counts['waiting']}, "
               f"cancelled {counts['cancelled']})")
    for row in counts["per_session"]:
        click.echo(f"session {row['index'] + 1} ({row['title']}): {row['attended']} signed in")
    click.echo(f"AMY attendance (learners who attended any session): {counts['attended_any']}")


@feedback.command("export-registrations")
@DB_OPTION
@click.argument("workshop")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
def export_registrations(db_url: str, workshop: str, output: Path | None) -> None:
    """A workshop's registrations as CSV (personal data: the export is logged with your system user name)."""
    from lessonkit.feedback.workshops import store

    text, count = in_transaction(db_url, lambda s: store.export_registrations(s, workshop, _cli_user(), "cli"),
                                 store.WorkshopError)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc}")
    click.echo(f"wrote {count} registration(s) to {output} (logged)", err=True)


@feedback.command("export-log")
@DB_OPTION
@click.option("--workshop", default="", help="Only this workshop's entries.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100_000))
def export_log(db_url: str, workshop: str, limit: int) -> None:
    """The log of personal-data exports and deletions: when, who, which workshop, what, rows, from where."""
    from lessonkit.feedback.workshops import store

    with opened(db_url) as database, database.read() as session:
        entries = store.export_log(session, workshop or None, limit)
    if not entries:
        click.echo("no personal data has been exported or deleted" + (f" for {workshop}" if workshop else ""))
    for entry in entries:
        click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S}\t{entry.who}\t{entry.workshop_slug or '-'}\t{entry.what}\t"
                   f"{entry.rows} row(s)\t{entry.via}")


@feedback.command("remind")
@DB_OPTION
@click.argument("workshop")
@click.option("--public-url", default="http://127.0.0.1:8100", show_default=True,
              help="The service's public address, for the private links.")
@click.option("--again", is_flag=True, help="Also remind people who were reminded before.")
@mail_options
def remind(db_url: str, workshop: str, public_url: str, again: bool, smtp_host: str, smtp_port: int,
           smtp_starttls: bool, smtp_user: str, mail_from: str, outbox: str) -> None:
    """E-mail a reminder to everyone with a seat (once each, unless --again)."""
    from sqlalchemy import select, update

    from lessonkit.feedback.models import Registration, utcnow
    from lessonkit.feedback.workshops import mail, store

    mailer = _mailer(smtp_host, smtp_port, smtp_starttls, smtp_user, mail_from, outbox)
    sent = {"smtp": 0, "outbox": 0}

    def load(session):
        row = store.find_workshop(session, workshop)
        sessions = store.sessions_of(session, row.id)
        query = select(Registration).where(Registration.workshop_id == row.id, Registration.status == "seated",
                                           Registration.token.is_not(None))
        if not again:
            query = query.where(Registration.reminded_at.is_(None))
        return row, sessions, list(session.scalars(query.order_by(Registration.id)))

    # Read, send, then mark each as reminded: the database is not locked while the mail server talks.
    row, sessions, people = in_transaction(db_url, load, store.WorkshopError)
    with opened(db_url) as database:
        for person in people:
            subject, body = mail.reminder(row, sessions, person,
                                          f"{public_url.rstrip('/')}/registration/{person.token}")
            where = mailer.send(person.email, subject, body)
            sent["smtp" if where == "smtp" else "outbox"] += 1
            with database.write() as session:
                session.execute(update(Registration).where(Registration.id == person.id)
                                .values(reminded_at=utcnow()))
    click.echo(f"reminded {sent['smtp'] + sent['outbox']} people: {sent['smtp']} through SMTP, "
               f"{sent['outbox']} written to {outbox}")


@feedback.command("retention")
@DB_OPTION
@click.option("--retention-days", "--days", "days", type=click.IntRange(0, 36500),
              default=365, show_default=True, metavar="DAYS", envvar="LESSONKIT_RETENTION_DAYS",
              help="Delete personal data of workshops that ended more than DAYS days ago (the service-wide "
                   "setting; env: LESSONKIT_RETENTION_DAYS); a workshop's own --retention-days, set when "
                   "publishing, wins.")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
def retention(db_url: str, days: int, dry_run: bool) -> None:
    """Delete the personal data of finished workshops (names, e-mails, affiliations, needs, links);
    the anonymous counts of registrations and attendance stay. Logged."""
    from lessonkit.feedback.workshops import store

    done = in_transaction(db_url, lambda s: store.apply_retention(s, days, _cli_user(), dry_run=dry_run),
                          store.WorkshopError)
    if not done:
        click.echo("no workshop has personal data past its retention period")
    for item in done:
        click.echo(f"{'would delete' if dry_run else 'deleted'} the personal data of {item.registrations} "
                   f"registration(s) of {item.workshop} (ended {item.ended:%Y-%m-%d}; kept {item.days} days)")


# The surveys' commands: survey-bank, report.
from lessonkit.feedback.surveys.cli import register as _register_surveys  # noqa: E402

_register_surveys(feedback)
