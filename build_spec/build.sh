#!/usr/bin/env bash
# Build the desktop app (and, with --server, the sync server) as one-folder PyInstaller bundles
# under dist/, then prove the frozen app starts: it creates a replica in a throwaway data folder,
# adds a customer (running the replica's migrations from inside the bundle) and reads the status.
#
# Usage: build_spec/build.sh [--server] [--skip-install]
# Prints the build time, the bundle size and the frozen app's start times.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
BUILD_SERVER=0
INSTALL=1
for argument in "$@"; do
    case "$argument" in
        --server) BUILD_SERVER=1 ;;
        --skip-install) INSTALL=0 ;;
        *) echo "Unknown option $argument (known: --server, --skip-install)" >&2; exit 2 ;;
    esac
done
cd "$ROOT"

if [[ ! -x "$PYTHON" ]]; then
    echo "No Python at $PYTHON: create the project venv first (python -m venv .venv)." >&2
    exit 1
fi
if [[ "$INSTALL" == 1 ]]; then
    # Only the `build` extra's requirements: the project itself is already installed in the venv,
    # and reinstalling it would briefly break anyone else using the same venv.
    mapfile -t BUILD_REQUIREMENTS < <("$PYTHON" -c '
import tomllib
with open("pyproject.toml", "rb") as stream:
    print("\n".join(tomllib.load(stream)["project"]["optional-dependencies"]["build"]))
')
    "$PYTHON" -m pip install --quiet "${BUILD_REQUIREMENTS[@]}"
fi

seconds_now() { "$PYTHON" -c 'import time; print(f"{time.monotonic():.3f}")'; }
elapsed() { "$PYTHON" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# The .qm files are what the bundle ships; a missing one would leave Chinese users in English.
if ! compgen -G "resources/translations/*.qm" >/dev/null; then
    echo "No compiled translations in resources/translations: run the translation refresh first." >&2
    exit 1
fi

build() {  # build <spec name>
    local started finished
    started="$(seconds_now)"
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "build_spec/$1.spec"
    finished="$(seconds_now)"
    echo "Built dist/$1 in $(elapsed "$started" "$finished") s; size $(du -sh "dist/$1" | cut -f1)" \
        "($(find "dist/$1" -type f | wc -l) files)"
}

build fieldbook
if [[ "$BUILD_SERVER" == 1 ]]; then
    build fieldbook-server
fi

# Smoke run of the frozen app. `--smoke-test` would start the demo server with
# `sys.executable -m server.cli`, which a frozen app cannot do (its sys.executable is the
# fieldbook binary), so the smoke run uses the headless CLI on a fresh data folder instead.
SMOKE_DIR="$(mktemp -d)"
trap 'rm -rf "$SMOKE_DIR"' EXIT
APP="$ROOT/dist/fieldbook/fieldbook"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
# Keep the smoke run away from this machine's real settings.
export FIELDBOOK_USER_SETTINGS="$SMOKE_DIR/user-settings.json"

smoke() {  # smoke <label> <fieldbook arguments...>
    local label="$1" started finished
    shift
    started="$(seconds_now)"
    if ! "$APP" --data-dir "$SMOKE_DIR/data" "$@" >"$SMOKE_DIR/out.json" 2>"$SMOKE_DIR/err.txt"; then
        echo "Smoke run failed: fieldbook $*" >&2
        cat "$SMOKE_DIR/out.json" "$SMOKE_DIR/err.txt" >&2
        exit 1
    fi
    finished="$(seconds_now)"
    echo "  $label: $(elapsed "$started" "$finished") s"
}

echo "Smoke run of the frozen app (data in a throwaway folder):"
# The phone number needs phonenumbers' data, the pinyin search pypinyin's, the first start the
# replica's migration scripts: each fails here if the bundle lacks it.
smoke "first start: new replica, migrations, customer add" \
    customer add --name "烟台测试贸易有限公司" --phone "0535-621 8888" --json
cp "$SMOKE_DIR/out.json" "$SMOKE_DIR/added.json"
smoke "second start: pinyin search" search yantai --json
cp "$SMOKE_DIR/out.json" "$SMOKE_DIR/found.json"
smoke "third start: status" status --json
"$PYTHON" - "$SMOKE_DIR" <<'PYTHON'
import json
import sys
from pathlib import Path

folder = Path(sys.argv[1])
added = json.loads((folder / "added.json").read_text(encoding="utf-8"))
found = json.loads((folder / "found.json").read_text(encoding="utf-8"))
status = json.loads((folder / "out.json").read_text(encoding="utf-8"))
problems = []
if added["id"] not in {hit["customer_id"] for hit in found}:
    problems.append(f"searching 'yantai' did not find the new customer: {found}")
if status.get("pending_changes") != 1:
    problems.append(f"status should show 1 pending change: {status}")
if problems:
    sys.exit("Smoke run failed: " + "; ".join(problems))
print("  found by pinyin, 1 change waiting to sync: OK")
PYTHON
if [[ "$BUILD_SERVER" == 1 ]]; then
    started="$(seconds_now)"
    "$ROOT/dist/fieldbook-server/fieldbook-server" --help >/dev/null
    echo "  fieldbook-server --help: $(elapsed "$started" "$(seconds_now)") s"
fi
echo "OK"
