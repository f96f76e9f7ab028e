"""The `knowhow` command: import, ask, reindex, serve, demo, stats on one data folder.

It sits beside the web app as the other front door: it calls indexer and finder and holds no logic.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import sys
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from finder.search import clean_query
from indexer.export import FORMATS, export
from indexer.folder_import import FolderReport, import_paths
from indexer.importer import ImportReport, import_files
from models.accounts_store import ROLES
from models.backup import backup, data_lock, restore
from models.engines import POSTGRES_SCHEMES, is_postgres
from models.errors import KnowhowError
from models.pg_copy import migrate_to_postgres
from models.pg_copy import unfinished as unfinished_copy
from models.settings import Settings
from web.actions import accounts as actions
from web.actions.accounts import LOCAL_ADMIN
from web.actions.search import ask as ask_as
from web.demo_courses import load_courses, write_course_history
from web.demo_follows import follow_for_demo
from web.demo_history import DAYS, demo_needs, write_history
from web.security import hash_password
from web.services import Services

DEMO_DIR = Path(str(resources.files("indexer") / "demo_org"))
console = Console(stderr=False)
err_console = Console(stderr=True)


def demo_files() -> list[Path]:
    """The demo organisation's people and content (its labelled questions are not imported)."""
    return sorted(p for p in DEMO_DIR.glob("*.jsonl") if not p.name.startswith("questions_"))


def _services(ctx: click.Context, create: bool = False) -> Services:
    """The data folder's services. Only the commands that fill a folder (import, demo, serve, user add, and
    restore from a backup) may start a new one: any other on a mistyped or missing folder would report an
    empty organisation (or leave an empty folder behind) instead of the mistake."""
    services: Services = ctx.obj
    if not create and services.settings.embedded and not services.settings.db_path.exists():
        raise click.ClickException(
            f"no Knowhow data at {services.settings.data.resolve()} (use --data or KNOWHOW_DATA)")
    return services


def _errors_as_exit(fn):
    """Domain errors become a one-line reason and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KnowhowError as exc:
            raise click.ClickException(str(exc)) from exc
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


class _ProgressBar:
    """Adapts the indexer's progress callback to a rich progress bar, one task per stage."""

    def __init__(self, progress: Progress):
        self.progress, self.tasks = progress, {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        labels = {"files": "reading files", "chunks": "embedding passages", "profiles": "embedding profiles"}
        label = labels.get(stage, stage)
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(label, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, transient=False, disable=not err_console.is_terminal,
    )


@click.group()
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data folder (default: $KNOWHOW_DATA, else ./knowhow-data).")
@click.version_option(package_name="knowhow")
@click.pass_context
def cli(ctx: click.Context, data: Path | None) -> None:
    """Knowhow: ask a question, get the knowledge and the colleagues who can help."""
    settings = Settings() if data is None else Settings(data=data)
    # A caller running the CLI in its own process may lend the model it has loaded as `obj` (the tests do:
    # a second copy costs seconds and memory); `knowhow` itself loads one on first use.
    ctx.obj = Services(settings, embedder=ctx.obj)
    ctx.call_on_close(ctx.obj.close)


def _report(report: ImportReport) -> None:
    # Plain lines, never wrapped: `file:line: reason` is what editors and scripts parse.
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    for warning in getattr(report, "warnings", []):
        click.echo(f"warning: {warning}", err=True)
    bad_lines = sum(1 for error in report.errors if error.line)  # the others are whole files, counted below
    click.echo(
        f"imported {_n(report.people, 'person', 'people')} and {_n(report.content, 'content item')}; "
        f"deleted {_n(report.deleted_people, 'person', 'people')} and {_n(report.deleted_content, 'item')}"
        + (f"; {_n(bad_lines, 'bad line')} skipped" if bad_lines else "")
    )
    if isinstance(report, FolderReport) and (report.files or report.removed or report.ignored):
        _files_summary(report)


def _files_summary(report: FolderReport) -> None:
    """What happened to each document and people CSV (JSON Lines files are counted by their records above)."""
    line = (f"files: {report.new} new, {report.changed} changed, {report.unchanged} unchanged, "
            f"{report.removed} removed, {report.skipped} skipped")
    if report.skipped:
        line += " (reasons above)"
    if report.ignored:
        kinds = ", ".join(f"{suffix} {count}" for suffix, count in sorted(report.ignored.items()))
        line += f"; {_n(sum(report.ignored.values()), 'file')} of other types ignored ({kinds})"
    click.echo(line)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--delete-missing", is_flag=True,
              help="Remove the items whose file is gone from a folder named here (people are never removed).")
@click.pass_context
@_errors_as_exit
def import_command(ctx: click.Context, paths: tuple[Path, ...], delete_missing: bool) -> None:
    """Import files and folders: JSON Lines, Markdown, Confluence HTML export, Word, PDF, people CSV.

    A re-run reads only new and changed files; one file always makes the same one item."""
    services = _services(ctx, create=True)
    with _progress() as progress:
        report = import_paths(services.indexer, list(paths), delete_missing, _ProgressBar(progress))
    _report(report)
    if not report.ok:
        sys.exit(1)


@cli.command("export")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True,
              help="jsonl: people.jsonl and content.jsonl; markdown: one .md file per item with front matter, "
                   "and people.jsonl.")
@click.pass_context
@_errors_as_exit
def export_command(ctx: click.Context, target: Path, fmt: str) -> None:
    """Write every person and item into TARGET (new or empty), in the import's formats: `knowhow import
    TARGET` brings them back."""
    people, items = export(_services(ctx).store, target, fmt)
    click.echo(f"exported {_n(people, 'person', 'people')} and {_n(items, 'item')} to {target} ({fmt})")


# The demo organisation's sign-ins, documented in the README (a demo, not a deployment).
DEMO_PASSWORD = "northwind-demo"
DEMO_USERS = [("elena", "lnd", "p60"), ("ana", "contributor", "p03"), ("sam", "employee", "p20")]


@cli.command()
@click.option("--no-history", "history", flag_value=False, default=True,
              help="Leave out the weeks of searches, reads and votes (L&D's pages start empty).")
@click.pass_context
@_errors_as_exit
def demo(ctx: click.Context, history: bool) -> None:
    """Load the sample organisation (Northwind Labs) into the data folder, with demo sign-ins and a few weeks
    of search history (searches, reads, votes, ratings) for L&D's dashboard, gaps and health pages."""
    services = _services(ctx, create=True)
    with _progress() as progress:
        report = import_files(services.indexer, demo_files(), _ProgressBar(progress))
    _report(report)
    for username, role, person in DEMO_USERS:
        if services.store.user_by_name(username) is None:
            services.store.create_user(username, hash_password(DEMO_PASSWORD), role, person)
    courses = load_courses(services, DEMO_DIR) if report.ok else []
    if courses:
        click.echo(f"short courses: {_n(len(courses), 'course')} with check questions")
    if history and report.ok:
        _demo_history(services)
        if courses and (learners := write_course_history(services, DEMO_DIR)):
            click.echo(f"course history: {_n(learners, 'learner')} taking the courses")
        if follow_for_demo(services):
            click.echo("following: sam follows #vpn, Ana and a question; his weekly digest is in his inbox")
    click.echo(f"demo sign-ins: {', '.join(f'{u} ({r})' for u, r, _ in DEMO_USERS)}; password {DEMO_PASSWORD}")
    if not report.ok:
        sys.exit(1)


def _demo_history(services: Services) -> None:
    """Once per folder: a second `knowhow demo` must not ask every question twice."""
    if services.store.stats()["queries"]:
        click.echo("search history: the folder already has searches; none added")
        return
    import faiss

    click.echo(f"writing the last {DAYS} days of search history (the demo's people asking and reading)...")
    # One FAISS thread, as `serve` runs: ~500 small searches in a row spend more time at its thread pool's
    # barriers than searching on a busy 2-core machine. (The model's ONNX session keeps the threads it was
    # made with by the import: the whole history takes about 2 s here.)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        made = write_history(services, demo_needs(DEMO_DIR))
    finally:
        faiss.omp_set_num_threads(threads)
    click.echo(f"search history: {_n(made.searches, 'search', 'searches')} ({made.answered} answered), "
               f"{_n(made.opens, 'result opened', 'results opened')}, {_n(made.views, 'page view')}, "
               f"{_n(made.votes, 'vote')}, {_n(made.ratings, 'rating')} in {made.seconds:.0f} s")


@cli.group()
def user() -> None:
    """Manage accounts (the CLI acts as the local administrator)."""


ROLE = click.Choice(ROLES)


@user.command("add")
@click.argument("username")
@click.option("--role", type=ROLE, default="employee", show_default=True, metavar="ROLE",
              help="What they may do: employee (the default), contributor or lnd.")
@click.option("--person", "person_id", default=None, help="Their person id (links profile, team, authorship).")
@click.password_option(help="Their password (asked for when not given).")
@click.pass_context
@_errors_as_exit
def user_add(ctx: click.Context, username: str, role: str, person_id: str | None, password: str) -> None:
    """Create an account, e.g. the first L&D one: knowhow user add elena --role lnd."""
    actions.create_user(_services(ctx, create=True), LOCAL_ADMIN, username, password, role, person_id)
    click.echo(f"created {username} ({role})")


@user.command("list")
@click.pass_context
@_errors_as_exit
def user_list(ctx: click.Context) -> None:
    """Accounts: user name, role, person, last sign-in (tab-separated)."""
    for row in actions.accounts(_services(ctx), LOCAL_ADMIN):
        flag = " (disabled)" if row["disabled"] else ""
        click.echo(f"{row['username']}\t{row['role']}\t{row['person_id'] or '-'}\t"
                   f"{(row['last_sign_in'] or 'never signed in')[:16]}{flag}")


def _change(ctx: click.Context, username: str, changes: dict) -> dict:
    services = _services(ctx)
    return actions.update_user(services, LOCAL_ADMIN, actions.user_named(services, username)["id"], changes)


@user.command("role")
@click.argument("username")
@click.argument("role", type=ROLE, metavar="ROLE")
@click.pass_context
@_errors_as_exit
def user_role(ctx: click.Context, username: str, role: str) -> None:
    """Change someone's role (employee, contributor or lnd)."""
    _change(ctx, username, {"role": role})
    click.echo(f"{username} is now {role}")


@user.command("disable")
@click.argument("username")
@click.pass_context
@_errors_as_exit
def user_disable(ctx: click.Context, username: str) -> None:
    """Stop an account signing in or using its tokens (its sessions end); `user enable` undoes it."""
    _change(ctx, username, {"disabled": True})
    click.echo(f"{username} is disabled")


@user.command("enable")
@click.argument("username")
@click.pass_context
@_errors_as_exit
def user_enable(ctx: click.Context, username: str) -> None:
    """Let a disabled account sign in again."""
    _change(ctx, username, {"disabled": False})
    click.echo(f"{username} is enabled")


@user.command("link")
@click.argument("username")
@click.argument("person_id", required=False)
@click.pass_context
@_errors_as_exit
def user_link(ctx: click.Context, username: str, person_id: str | None) -> None:
    """Link an account to its person in the directory (without PERSON_ID: unlink)."""
    _change(ctx, username, {"person_id": person_id})
    click.echo(f"{username} is linked to {person_id}" if person_id else f"{username} is linked to nobody")


@user.command("password")
@click.argument("username")
@click.pass_context
@_errors_as_exit
def user_password(ctx: click.Context, username: str) -> None:
    """Give an account a new made-up password (printed once); its sessions end."""
    services = _services(ctx)
    click.echo(actions.reset_password(services, LOCAL_ADMIN, actions.user_named(services, username)["id"]))


@user.command("revoke-tokens")
@click.argument("username")
@click.pass_context
@_errors_as_exit
def user_revoke_tokens(ctx: click.Context, username: str) -> None:
    """Revoke every API token of an account."""
    services = _services(ctx)
    revoked = actions.revoke_tokens(services, LOCAL_ADMIN, actions.user_named(services, username)["id"])
    click.echo(f"revoked {revoked} token(s) of {username}")


@user.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.pass_context
@_errors_as_exit
def user_token(ctx: click.Context, username: str, name: str) -> None:
    """Print a new personal API token for USERNAME (shown once; stored hashed)."""
    services = _services(ctx)
    click.echo(actions.create_token(services, LOCAL_ADMIN, name, user_id=actions.user_named(services, username)["id"]))


@cli.command()
@click.argument("question")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="Results to show.")
@click.option("--experts", "n_experts", default=3, show_default=True, type=click.IntRange(0, 100),
              help="People to show.")
@click.option("--mentor", is_flag=True, help="Only people who opted in as mentors.")
@click.pass_context
@_errors_as_exit
def ask(ctx: click.Context, question: str, k: int, n_experts: int, mentor: bool) -> None:
    """Ask a question in plain language."""
    services = _services(ctx)
    question = clean_query(question, services.settings.max_query_chars)  # before the model loads (seconds)
    answer = ask_as(services, LOCAL_ADMIN, question, k=k, experts=n_experts, mentor_only=mentor, source="cli")
    if not answer.answered:
        click.echo("Nothing answers this well; the nearest knowledge and people follow.")
    table = Table("score", "item", "passage", title="Knowledge", show_lines=True)
    for hit in answer.results:
        badge = " [official]" if hit.official else ""
        table.add_row(f"{hit.score:.2f}", f"{hit.title}{badge}\n{hit.id} · {hit.kind}", hit.snippet)
    console.print(table)
    if answer.experts:
        people = Table("score", "person", "why", title="People who can help")
        for expert in answer.experts:
            mentor_badge = " (mentor)" if expert.mentor else ""
            nearby = "" if expert.strong else "\n(wrote on nearby topics)"
            people.add_row(f"{expert.score:.2f}", f"{expert.name}{mentor_badge}\n{expert.title}{nearby}",
                           "; ".join(expert.why))
        console.print(people)


@cli.command()
@click.pass_context
@_errors_as_exit
def reindex(ctx: click.Context) -> None:
    """Rebuild every passage, vector and index from SQLite (e.g. after changing the model)."""
    services = _services(ctx)
    with _progress() as progress:
        count = services.rebuilding_indexer().reindex(_ProgressBar(progress))
    click.echo(f"reindexed {count} passages and profiles with {services.embedder.name}")


@cli.command()
@click.pass_context
@_errors_as_exit
def stats(ctx: click.Context) -> None:
    """Counts of people, content, passages, queries and feedback."""
    services = _services(ctx)
    # The folder on its own line: as a table title it wrapped inside the narrow table.
    click.echo(f"Knowhow data in {services.settings.data}")
    table = Table("what", "count")
    for name, value in services.store.stats().items():
        table.add_row(name, str(value))
    console.print(table)


@cli.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
@_errors_as_exit
def backup_command(ctx: click.Context, target: Path) -> None:
    """Write a consistent backup of the data folder into TARGET (safe while serving)."""
    manifest = backup(_services(ctx).settings, target)
    counts = manifest["counts"]
    click.echo(f"backed up {counts['content']} items, {counts['people']} people, {counts['queries']} queries to {target}")


@cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
@_errors_as_exit
def restore_command(ctx: click.Context, source: Path) -> None:
    """Restore the data folder from a backup in SOURCE; refused while `knowhow serve` uses the folder. The current
    data is moved aside next to the folder (DATA-before-restore-STAMP), not deleted."""
    result = restore(_services(ctx, create=True).settings, source)
    kept = f"; previous data kept in {result['previous_data_kept_in']}" if result["previous_data_kept_in"] else ""
    click.echo(f"restored the backup of {result['created']}{kept}")


@cli.command("migrate-to-postgres")
@click.argument("url", envvar="KNOWHOW_DATABASE_URL", metavar="URL")
@click.option("--restart", is_flag=True, help="Throw away what an unfinished copy wrote and copy from the start.")
@click.pass_context
@_errors_as_exit
def migrate_to_postgres_command(ctx: click.Context, url: str, restart: bool) -> None:
    """Copy the data folder's store into the PostgreSQL database at URL (postgresql://..., a new, empty database;
    default: $KNOWHOW_DATABASE_URL). Stop the server first. An interrupted copy resumes where it stopped."""
    if not is_postgres(url):
        raise click.ClickException(f"not a PostgreSQL URL: it must start with {' or '.join(POSTGRES_SCHEMES)}")
    settings = ctx.obj.settings
    with _progress() as progress:
        bar = _ProgressBar(progress)
        counts = migrate_to_postgres(settings, url, lambda table, done, total: bar(f"copying {table}", done, total),
                                     restart)
    click.echo(f"copied {sum(counts.values())} rows of {len(counts)} tables from {settings.data}: "
               f"{_n(counts['content'], 'item')}, {_n(counts['people'], 'person', 'people')}, "
               f"{_n(counts['chunks'], 'passage')}, {_n(counts['users'], 'account')}, "
               f"{_n(counts['queries'], 'question')} asked")
    click.echo("serve it with KNOWHOW_DATABASE_URL set to that URL (README: \"Running several servers\")")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), envvar="KNOWHOW_WORKERS",
              help="Worker processes answering on the port (about one per core; each loads the model: ~0.5 GB).")
@click.pass_context
@_errors_as_exit
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Serve the web pages and the JSON API."""
    from web.serving import serve_one, serve_workers

    services = _services(ctx, create=True)
    if not services.settings.embedded and unfinished_copy(services.settings.database):
        raise click.ClickException("a copy into this PostgreSQL database has not finished; run `knowhow "
                                   "migrate-to-postgres` again to finish it before serving")
    _ = services.store  # the database made or migrated here, once, before any worker opens it
    listening = _listen(host, port)  # before the model loads: a taken port is said at once, in one line
    # Held while serving: `knowhow restore` refuses to swap the database under a running server.
    with data_lock(services.settings, exclusive=False):
        address = f"http://{host}:{port} (data: {services.settings.data}"
        if workers == 1:
            click.echo("loading the model and the indexes...")
            serve_one(services, listening, ready=lambda: click.echo(f"Knowhow on {address})"))
        else:
            click.echo(f"Knowhow on {address}), {workers} worker processes loading the model and the indexes...")
            serve_workers(services.settings, listening, workers)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here rather than by uvicorn, so that a port in use is one line that says
    what to do instead of a traceback after the model has loaded.

    Its protocol is named (IPPROTO_TCP): asyncio turns Nagle's algorithm off (TCP_NODELAY) only on connections
    whose socket says TCP, and a response sent in two writes (headers, then body) otherwise waited for the
    client's delayed acknowledgement, 40 ms on Linux: every request took 45 ms more than its work."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is taken (another Knowhow or another program); choose another with "
                f"--port {port + 1} (make demo PORT={port + 1})") from None
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # transformers reads this when first imported: its "Loading weights" bar printed on every command.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    cli(prog_name="knowhow")


if __name__ == "__main__":
    main()
