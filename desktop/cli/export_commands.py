"""Export commands: `fieldbook export customers|contacts --format ... --out FILE`.

The same export control as the app (`desktop.operations.export`): the firm's policy from the
layered settings decides, and every export or refusal is queued for the server's audit log.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import Engine

from desktop.cli.errors import CliError
from desktop.cli.lease_gate import offline_lease
from desktop.operations.export import (
    ExportFailed,
    ExportFormat,
    ExportPolicy,
    ExportRefused,
    ExportResult,
    export_contacts,
    export_customers,
)
from desktop.operations.lease import LeaseStatus
from desktop.paths import data_dir, replica_path
from desktop.settings import Settings
from desktop.store.engine import StoreError
from desktop.store.replica import open_replica
from desktop.sync.export_policy import effective_export_policy

CUSTOMER_FORMATS = (ExportFormat.CSV.value, ExportFormat.XLSX.value)
CONTACT_FORMATS = (ExportFormat.VCARD.value, ExportFormat.CSV.value)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = subparsers.add_parser("export", help="export customers or contacts to a file")
    kinds = export.add_subparsers(dest="export_kind", required=True)
    customers = kinds.add_parser("customers", help="customers to CSV or Excel")
    customers.add_argument("--format", choices=CUSTOMER_FORMATS, default="csv")
    contacts = kinds.add_parser("contacts", help="contacts to vCard (or CSV)")
    contacts.add_argument("--format", choices=CONTACT_FORMATS, default="vcard")
    for parser in (customers, contacts):
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument(
            "--customer",
            action="append",
            dest="customer_ids",
            metavar="ID",
            help="only this customer (repeat for several); default: all in this copy",
        )
        parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    replica = replica_path(data_dir(args.data_dir))
    if not replica.exists():
        raise CliError(f"No Fieldbook data in {replica.parent}: sign in and sync first.")
    settings = Settings.load()
    try:
        engine = open_replica(replica)
    except StoreError as error:
        raise CliError(str(error)) from error
    try:
        policy = effective_export_policy(engine, setting=settings.get)
        lease = offline_lease(engine, settings=settings)
        result = _export(args, engine=engine, policy=policy, lease=lease)
    except ExportRefused as error:
        raise CliError(f"{error} (The refusal was recorded.)") from error
    except (ExportFailed, ValueError) as error:
        raise CliError(str(error)) from error
    finally:
        engine.dispose()
    print(result.message(policy))
    return 0


def _export(
    args: argparse.Namespace, *, engine: Engine, policy: ExportPolicy, lease: LeaseStatus
) -> ExportResult:
    out: Path = args.out.expanduser().resolve()
    fmt = ExportFormat(args.format)
    if args.export_kind == "customers":
        return export_customers(
            engine, fmt=fmt, out=out, policy=policy, customer_ids=args.customer_ids, lease=lease
        )
    return export_contacts(
        engine, fmt=fmt, out=out, policy=policy, customer_ids=args.customer_ids, lease=lease
    )
