"""Record commands: customer, activity, followup, opportunity, search, status.

Every command opens the replica of `--data-dir` (upgrading it if needed), runs one operation and
prints either text for people or, with `--json`, one JSON document for scripts. Errors go to
stderr with exit code 1 and leave the replica unchanged (operations validate before writing).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TypeAlias

from sqlalchemy import Engine

from desktop.cli import settings_commands
from desktop.cli.errors import CliError, user_errors
from desktop.cli.lease_gate import refuse_while_locked
from desktop.cli.status_report import collect_status
from desktop.domain.contact_points import format_phone
from desktop.domain.values import ActivityKind
from desktop.operations.activities import log_activity
from desktop.operations.customer_file import customer_file
from desktop.operations.customers import (
    MAX_PAGE,
    CustomerFilter,
    CustomerSort,
    add_customer,
    archive_customer,
    edit_customer,
    list_customers,
)
from desktop.operations.followups import FollowUpScope, complete_followup, list_followups
from desktop.operations.opportunities import add_opportunity, move_opportunity
from desktop.operations.reference import resolve_user
from desktop.paths import data_dir, replica_path
from desktop.settings import Settings
from desktop.store.replica import open_replica

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Command = Callable[[Engine, argparse.Namespace], int]

# option -> customer field, shared by `customer add` and `customer edit`
CUSTOMER_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--name", "name", "customer name"),
    ("--phone", "phone", "e.g. 138 0013 8000, 010-6552 9988 or +44 20 7946 0958"),
    ("--industry", "industry", "industry"),
    ("--email", "email", "e-mail address"),
    ("--kind", "kind", "company or person"),
    ("--account-type", "account_type", "customer, partner or competitor"),
    ("--address", "address", "postal address"),
    ("--website", "website", "web site"),
    ("--fax", "fax", "fax number"),
    ("--source", "source", "how the customer was found"),
    ("--owner", "owner_id", "owning user: login, id, or me"),
    ("--team", "team_id", "id of the team"),
    ("--lifecycle", "lifecycle", "lifecycle stage"),
    ("--tier", "tier", "tier, e.g. gold"),
    ("--value-label", "value_label", "value label"),
    ("--tags", "tags", "comma-separated tags"),
    ("--credit-notes", "credit_notes", "credit notes"),
)


def _print_json(document: object) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))


@contextmanager
def _replica(args: argparse.Namespace) -> Iterator[Engine]:
    engine = open_replica(replica_path(data_dir(args.data_dir)))
    try:
        yield engine
    finally:
        engine.dispose()


def _runs(command: Command, *, shows_data: bool) -> Callable[[argparse.Namespace], int]:
    """The handler argparse calls: open the replica, run, report errors as CliError.

    Commands that show customer data first check the offline lease, as the app's lock screen
    does; commands that only write (log an activity, edit a field) never do.
    """

    def handler(args: argparse.Namespace) -> int:
        with user_errors(), _replica(args) as engine:
            if shows_data:
                refuse_while_locked(engine, settings=Settings.load())
            return command(engine, args)

    return handler


def _customer_values(engine: Engine, args: argparse.Namespace) -> dict[str, object]:
    values: dict[str, object] = {
        field: getattr(args, field)
        for _option, field, _help in CUSTOMER_OPTIONS
        if getattr(args, field) is not None
    }
    if values.get("owner_id"):
        values["owner_id"] = resolve_user(engine, text=str(values["owner_id"]))
    return values


# --- customer -------------------------------------------------------------------------------


def _customer_add(engine: Engine, args: argparse.Namespace) -> int:
    customer_id = add_customer(engine, values=_customer_values(engine, args))
    if args.json:
        _print_json({"id": customer_id})
    else:
        print(f"Added customer {customer_id}.")
    return 0


def _customer_list(engine: Engine, args: argparse.Namespace) -> int:
    criteria = CustomerFilter(
        owner_id=resolve_user(engine, text=args.owner) if args.owner else None,
        team_id=args.team,
        lifecycle=args.lifecycle,
        tier=args.tier,
        industry=args.industry,
        tag=args.tag,
        archived=None if args.all else args.archived,
    )
    page = list_customers(
        engine,
        criteria=criteria,
        sort=CustomerSort(args.sort),
        descending=args.desc,
        offset=args.offset,
        limit=args.limit,
    )
    if args.json:
        _print_json(
            {
                "total": page.total,
                "offset": page.offset,
                "limit": page.limit,
                "customers": [asdict(row) for row in page.rows],
            }
        )
        return 0
    for row in page.rows:
        archived = " (archived)" if row.archived else ""
        print(
            f"{row.id}  {row.name}{archived}  {row.industry or '-'}  "
            f"{format_phone(row.phone) or '-'}  {row.owner_name or '-'}"
        )
    shown = f"{page.offset + 1}-{page.offset + len(page.rows)}" if page.rows else "none"
    print(f"{page.total} customer(s); showing {shown}.")
    return 0


def _customer_show(engine: Engine, args: argparse.Namespace) -> int:
    file = customer_file(engine, customer_id=args.id, activity_limit=args.activities)
    if args.json:
        _print_json(asdict(file))
        return 0
    customer = file.customer
    print(f"{customer.name}{'  (archived)' if customer.archived else ''}")
    print(f"  id: {customer.id}")
    for label, value in (
        ("industry", customer.industry),
        ("phone", format_phone(customer.phone)),
        ("e-mail", customer.email),
        ("address", customer.address),
        ("owner", customer.owner_id),
        ("lifecycle", customer.lifecycle),
        ("tier", customer.tier),
        ("tags", ", ".join(customer.tags)),
    ):
        if value:
            print(f"  {label}: {value}")
    print(f"Contacts ({len(file.contacts)}):")
    for contact in file.contacts:
        phone = format_phone(contact.mobile or contact.phone)
        print(f"  {contact.name}  {contact.title or ''}  {phone}".rstrip())
    print(f"Activities ({file.activity_total}, newest first):")
    for entry in file.activities:
        print(f"  {entry.occurred_at}  {entry.kind}  {entry.subject or entry.notes or ''}")
    print(f"Opportunities ({len(file.opportunities)}):")
    for deal in file.opportunities:
        print(
            f"  {deal.id}  {deal.name}  {deal.amount or 0:,.2f} {deal.currency or ''}  "
            f"{deal.stage_name or deal.status}"
        )
    print(f"Follow-ups ({len(file.followups)}):")
    for followup in file.followups:
        print(
            f"  {followup.id}  {followup.due_at}  {followup.title}"
            f"{'  (done)' if followup.done else ''}"
        )
    return 0


def _customer_edit(engine: Engine, args: argparse.Namespace) -> int:
    changes = _customer_values(engine, args)
    if not changes:
        raise CliError("Nothing to change: give at least one option such as --name or --phone.")
    changed = edit_customer(engine, customer_id=args.id, changes=changes)
    if args.json:
        _print_json({"id": args.id, "changed": changed})
    else:
        print(f"Changed {', '.join(sorted(changed))}." if changed else "Nothing changed.")
    return 0


def _customer_archive(engine: Engine, args: argparse.Namespace) -> int:
    archived = archive_customer(engine, customer_id=args.id)
    print(f"Archived customer {args.id}." if archived else f"{args.id} was already archived.")
    return 0


# --- activity, followup, opportunity --------------------------------------------------------


def _activity_log(engine: Engine, args: argparse.Namespace) -> int:
    logged = log_activity(
        engine,
        customer_id=args.customer,
        kind=args.kind,
        notes=args.notes,
        subject=args.subject,
        occurred_at=args.at,
        next_step=args.next_step,
        due=args.due,
    )
    if args.json:
        _print_json({"id": logged.activity_id, "followup_id": logged.followup_id})
    else:
        extra = f" and follow-up {logged.followup_id}" if logged.followup_id else ""
        print(f"Logged activity {logged.activity_id}{extra}.")
    return 0


def _followup_list(engine: Engine, args: argparse.Namespace) -> int:
    followups = list_followups(engine, scope=FollowUpScope(args.scope))
    if args.json:
        _print_json([asdict(followup) for followup in followups])
        return 0
    for followup in followups:
        print(
            f"{followup.id}  {followup.due_at}  {followup.priority}  "
            f"{followup.customer_name}: {followup.title}"
        )
    print(f"{len(followups)} open follow-up(s).")
    return 0


def _followup_done(engine: Engine, args: argparse.Namespace) -> int:
    done = complete_followup(engine, followup_id=args.id)
    print(f"Follow-up {args.id} done." if done else f"Follow-up {args.id} was already done.")
    return 0


def _opportunity_add(engine: Engine, args: argparse.Namespace) -> int:
    opportunity_id = add_opportunity(
        engine,
        customer_id=args.customer,
        name=args.name,
        amount=args.amount,
        currency=args.currency,
        stage=args.stage,
    )
    if args.json:
        _print_json({"id": opportunity_id})
    else:
        print(f"Added opportunity {opportunity_id}.")
    return 0


def _opportunity_move(engine: Engine, args: argparse.Namespace) -> int:
    moved = move_opportunity(engine, opportunity_id=args.id, stage=args.stage)
    print(f"Moved {args.id} to {args.stage}." if moved else f"{args.id} already is there.")
    return 0


# --- search, status -------------------------------------------------------------------------


INDEX_BUILDING_NOTE = (
    "The search index is built when the first sync finishes: until then only names and phone "
    "numbers are matched (no pinyin, no notes)."
)


def _search(engine: Engine, args: argparse.Namespace) -> int:
    # Imported here: the search module belongs to the search index, which not every command needs.
    from desktop.store.search import search_answer

    try:
        answer = search_answer(engine, query=args.query, limit=args.limit)
    except ValueError as error:  # limit out of range
        raise CliError(str(error)) from error
    hits = answer.hits
    if answer.index_building:
        print(INDEX_BUILDING_NOTE, file=sys.stderr)
    if args.json:
        _print_json([asdict(hit) for hit in hits])
        return 0
    for hit in hits:
        print(f"{hit.kind:<9} {hit.id}  {hit.title}  {hit.snippet}")
    print(f"{len(hits)} match(es).")
    return 0


def _status(engine: Engine, args: argparse.Namespace) -> int:
    status = collect_status(engine)
    if args.json:
        _print_json(status)
    else:
        for key, value in status.items():
            print(f"{key.replace('_', ' ')}: {value if value is not None else '-'}")
    return 0


# --- registration ---------------------------------------------------------------------------


def _count_option(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type for a whole number in range, so a bad --limit is a usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum} and {maximum}")
        return value

    return parse


PAGE_SIZE = _count_option(1, MAX_PAGE)
OFFSET = _count_option(0, 10**9)


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _command(
    group: Subparsers, name: str, command: Command, help_text: str, *, shows_data: bool = False
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = group.add_parser(name, help=help_text)
    parser.set_defaults(handler=_runs(command, shows_data=shows_data))
    return parser


def _register_customer(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("customer", help="add, list, show, edit, archive customers")
    commands = group.add_subparsers(dest="customer_command", required=True)

    add = _command(commands, "add", _customer_add, "add a customer")
    edit = _command(commands, "edit", _customer_edit, "change a customer's fields")
    edit.add_argument("id")
    for parser in (add, edit):
        for option, field, help_text in CUSTOMER_OPTIONS:
            required = parser is add and field == "name"
            parser.add_argument(option, dest=field, required=required, help=help_text)
        _json_flag(parser)

    listing = _command(commands, "list", _customer_list, "list customers (paged)", shows_data=True)
    for option, dest in (
        ("--owner", "owner"),
        ("--team", "team"),
        ("--lifecycle", "lifecycle"),
        ("--tier", "tier"),
        ("--industry", "industry"),
        ("--tag", "tag"),
    ):
        extra = " (login, id, or me)" if dest == "owner" else ""
        listing.add_argument(option, dest=dest, help=f"only this {dest}{extra}")
    shown = listing.add_mutually_exclusive_group()
    shown.add_argument("--archived", action="store_true", help="only archived customers")
    shown.add_argument("--all", action="store_true", help="archived and active customers")
    listing.add_argument("--sort", choices=[s.value for s in CustomerSort], default="name")
    listing.add_argument("--desc", action="store_true", help="sort descending")
    listing.add_argument("--offset", type=OFFSET, default=0)
    listing.add_argument("--limit", type=PAGE_SIZE, default=100)
    _json_flag(listing)

    show = _command(commands, "show", _customer_show, "the customer's file", shows_data=True)
    show.add_argument("id")
    show.add_argument("--activities", type=PAGE_SIZE, default=20, help="newest activities to show")
    _json_flag(show)

    archive = _command(commands, "archive", _customer_archive, "archive a customer")
    archive.add_argument("id")


def _register_work(subparsers: Subparsers) -> None:
    activity = subparsers.add_parser("activity", help="log visits, calls, meetings ...")
    log = _command(
        activity.add_subparsers(dest="activity_command", required=True),
        "log",
        _activity_log,
        "log an activity",
    )
    log.add_argument("--customer", required=True, help="customer id")
    log.add_argument("--kind", required=True, help=", ".join(k.value for k in ActivityKind))
    log.add_argument("--notes")
    log.add_argument("--subject")
    log.add_argument("--at", help="when (YYYY-MM-DD HH:MM, local time); default now")
    log.add_argument("--next-step", dest="next_step")
    log.add_argument("--due", help="due date of the next step (YYYY-MM-DD [HH:MM])")
    _json_flag(log)

    followup = subparsers.add_parser("followup", help="list and complete follow-ups")
    commands = followup.add_subparsers(dest="followup_command", required=True)
    listing = _command(commands, "list", _followup_list, "open follow-ups", shows_data=True)
    listing.add_argument("--scope", choices=[s.value for s in FollowUpScope], default="mine")
    _json_flag(listing)
    done = _command(commands, "done", _followup_done, "mark a follow-up done")
    done.add_argument("id")

    opportunity = subparsers.add_parser("opportunity", help="add and move opportunities")
    commands = opportunity.add_subparsers(dest="opportunity_command", required=True)
    add = _command(commands, "add", _opportunity_add, "add an opportunity")
    add.add_argument("--customer", required=True, help="customer id")
    add.add_argument("--name", required=True)
    add.add_argument("--amount", required=True)
    add.add_argument("--currency", default="CNY")
    add.add_argument("--stage", help="stage name or id; default the first stage")
    _json_flag(add)
    move = _command(commands, "move", _opportunity_move, "move to another stage")
    move.add_argument("id")
    move.add_argument("--stage", required=True, help="stage name or id")


def register(subparsers: Subparsers) -> None:
    _register_customer(subparsers)
    _register_work(subparsers)
    settings_commands.register(subparsers)
    search = _command(
        subparsers, "search", _search, "search customers, contacts and notes", shows_data=True
    )
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20)
    _json_flag(search)
    status = _command(subparsers, "status", _status, "pending changes and sync state")
    _json_flag(status)
