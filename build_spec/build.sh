#!/usr/bin/env bash
# Build the desktop app (and, with --server, the sync server) as one-folder PyInstaller bundles
# under dist/, then prove the frozen app works: in a throwaway data folder it creates a replica
# (running the bundled migrations), adds a customer with a phone number, finds it by pinyin, reads
# the status and opens its window in Chinese. With --server, the frozen app also signs in to the
# frozen server (demo firm) and pulls its share. Any missing piece of the bundle fails the script.
#
# Usage: build_spec/build.sh [--server] [--skip-install] [--smoke-only] [--json]
#   --server        also build dist/fieldbook-server and sync the frozen app against it
#   --skip-install  do not install the `build` extra first
#   --smoke-only    do not build: smoke-run the bundles already in dist/
#   --json          the figures as one JSON object on stdout (the report goes to stderr)
# Prints the build time, the bundle size and the frozen app's start times.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
BUILD_SERVER=0
INSTALL=1
BUILD=1
JSON=0
for argument in "$@"; do
    case "$argument" in
        --server) BUILD_SERVER=1 ;;
        --skip-install) INSTALL=0 ;;
        --smoke-only) BUILD=0 INSTALL=0 ;;
        --json) JSON=1 ;;
        *) echo "Unknown option $argument (known: --server, --skip-install, --smoke-only, --json)" >&2
           exit 2 ;;
    esac
done
cd "$ROOT"
if [[ "$JSON" == 1 ]]; then
    exec 3>&1 1>&2  # stdout carries only the JSON object; everything else goes to stderr
fi
SMOKE_DIR="$(mktemp -d)"
trap 'rm -rf "$SMOKE_DIR"' EXIT
FIGURES="$SMOKE_DIR/figures.tsv"
: >"$FIGURES"
figure() { printf '%s\t%s\n' "$1" "$2" >>"$FIGURES"; }  # figure <name> <number>

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
    figure "$1.build_s" "$(elapsed "$started" "$finished")"
}

if [[ "$BUILD" == 1 ]]; then
    build fieldbook
    if [[ "$BUILD_SERVER" == 1 ]]; then
        build fieldbook-server
    fi
fi

# Smoke run of the frozen app. `--smoke-test` would start the demo server with
# `sys.executable -m server.cli`, which a frozen app cannot do (its sys.executable is the
# fieldbook binary), so the smoke run uses the headless CLI on a fresh data folder instead.
for bundle in fieldbook fieldbook-server; do
    if [[ -d "dist/$bundle" ]]; then
        figure "$bundle.size_mb" "$(du -sm "dist/$bundle" | cut -f1)"
        figure "$bundle.files" "$(find "dist/$bundle" -type f | wc -l)"
    fi
done
APP="$ROOT/dist/fieldbook/fieldbook"
for executable in "$APP" $([[ "$BUILD_SERVER" == 1 ]] && echo "$ROOT/dist/fieldbook-server/fieldbook-server"); do
    if [[ ! -x "$executable" ]]; then
        echo "No $executable: build it first (without --smoke-only)." >&2
        exit 1
    fi
done
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
    figure "smoke.$1_s" "$(elapsed "$started" "$finished")"  # $1: the sub-command
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

# The window, offscreen, in Chinese. This copy never signed in, so its sync ends at once with
# "no server to sync with" (a server address is set only so that it does not try the demo
# server); what is checked is that the window opens and both Chinese catalogues load.
echo '{"ui.language": "zh_CN", "sync.server_url": "http://127.0.0.1:9"}' >"$FIELDBOOK_USER_SETTINGS"
started="$(seconds_now)"
"$APP" --data-dir "$SMOKE_DIR/data" --smoke-test >"$SMOKE_DIR/window.json" \
    2>"$SMOKE_DIR/window-log.txt" || true
finished="$(seconds_now)"
echo "  fourth start: window in Chinese (--smoke-test): $(elapsed "$started" "$finished") s"
figure "smoke.window_process_s" "$(elapsed "$started" "$finished")"
"$PYTHON" - "$SMOKE_DIR" <<'PYTHON'
import json
import sys
from pathlib import Path

folder = Path(sys.argv[1])
log = (folder / "window-log.txt").read_text(encoding="utf-8")
lines = (folder / "window.json").read_text(encoding="utf-8").strip().splitlines()
if not lines or json.loads(lines[-1]).get("start_to_window_s") is None:
    sys.exit(f"Smoke run failed: the window did not open. Its log:\n{log[-1500:]}")
window = json.loads(lines[-1])
if window.get("error") != "no server to sync with":
    sys.exit(f"Smoke run failed: unexpected window report {window}")
missing = [line for line in log.splitlines() if "stay in English" in line]
if missing:
    sys.exit("Smoke run failed: a translation catalogue is missing: " + "; ".join(missing))
print(f"  window ready {window['start_to_window_s']} s after the app object; Chinese catalogues loaded")
with (folder / "figures.tsv").open("a", encoding="utf-8") as figures:
    figures.write(f"smoke.start_to_window_s\t{window['start_to_window_s']}\n")
PYTHON
if [[ "$BUILD_SERVER" == 1 ]]; then
    # Frozen against frozen: the bundled server runs its migrations and loads the demo firm, the
    # bundled app signs in, pulls a team head's share over HTTP and opens its window.
    echo "Sync between the frozen server and the frozen app:"
    SERVER_DIR="$SMOKE_DIR/server"
    mkdir -p "$SERVER_DIR"
    started="$(seconds_now)"
    "$ROOT/dist/fieldbook-server/fieldbook-server" serve --demo --size small --host 127.0.0.1 \
        --port 0 --log-level warning >"$SERVER_DIR/out.json" 2>"$SERVER_DIR/log.txt" &
    SERVER_PID=$!
    # `|| true`: the stopped server's status (143) must not end the trap before the clean-up.
    trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true
          rm -rf "$SMOKE_DIR"' EXIT
    for _ in $(seq 120); do
        [[ -s "$SERVER_DIR/out.json" ]] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "The frozen server stopped before it was ready:" >&2
            cat "$SERVER_DIR/log.txt" >&2
            exit 1
        fi
        sleep 0.5
    done
    finished="$(seconds_now)"
    echo "  server with the demo firm ready: $(elapsed "$started" "$finished") s"
    figure "server.demo_ready_s" "$(elapsed "$started" "$finished")"
    read -r SERVER_URL LOGIN PASSWORD < <("$PYTHON" -c '
import json, sys
announcement = json.load(open(sys.argv[1], encoding="utf-8"))
user = next(user for user in announcement["users"] if user["role"] == "team_head")
print(announcement["url"], user["login"], user["password"])
' "$SERVER_DIR/out.json")
    echo "{\"sync.server_url\": \"$SERVER_URL\"}" >"$FIELDBOOK_USER_SETTINGS"
    rm -rf "$SMOKE_DIR/data"
    FIELDBOOK_PASSWORD="$PASSWORD" smoke "login" login --server "$SERVER_URL" --user "$LOGIN" --json
    cp "$SMOKE_DIR/out.json" "$SMOKE_DIR/login.json"
    FIELDBOOK_PASSWORD="$PASSWORD" smoke "first sync" sync --json
    cp "$SMOKE_DIR/out.json" "$SMOKE_DIR/sync.json"
    # The window: without a keyring (as on this build machine) the sign-in is kept for one
    # process only, so the window's own sync reports "not signed in"; that alone is accepted.
    started="$(seconds_now)"
    "$APP" --data-dir "$SMOKE_DIR/data" --smoke-test >"$SMOKE_DIR/window.json" \
        2>"$SMOKE_DIR/window-log.txt" || true
    echo "  window (--smoke-test): $(elapsed "$started" "$(seconds_now)") s"
    "$PYTHON" - "$SMOKE_DIR" <<'PYTHON'
import json
import sys
from pathlib import Path

folder = Path(sys.argv[1])
login = json.loads((folder / "login.json").read_text(encoding="utf-8"))
pulled = json.loads((folder / "sync.json").read_text(encoding="utf-8"))
lines = (folder / "window.json").read_text(encoding="utf-8").strip().splitlines()
if pulled.get("pulled", 0) <= 0 or pulled.get("errors"):
    sys.exit(f"Smoke run failed: the first sync pulled nothing or failed: {pulled}")
if not lines:
    log = (folder / "window-log.txt").read_text(encoding="utf-8")[-1500:]
    sys.exit(f"Smoke run failed: the window reported nothing. Its log:\n{log}")
window = json.loads(lines[-1])
keyring_missing = login.get("credential_storage") == "session-only"
if not window.get("ok") and not (keyring_missing and "Not signed in" in window.get("error", "")):
    sys.exit(f"Smoke run failed: the window's smoke test: {window}")
print(f"  pulled {pulled['pulled']} changes; window report: {json.dumps(window)}")
with (folder / "figures.tsv").open("a", encoding="utf-8") as figures:
    figures.write(f"sync.pulled_changes\t{pulled['pulled']}\n")
if keyring_missing:
    print("  (no keyring on this machine: the window could not reuse the sign-in)")
PYTHON
fi
echo "OK"
if [[ "$JSON" == 1 ]]; then
    "$PYTHON" -c '
import json, sys
rows = [line.split("\t") for line in open(sys.argv[1], encoding="utf-8").read().splitlines()]
print(json.dumps({name: float(value) if "." in value else int(value) for name, value in rows}))
' "$FIGURES" >&3
fi
