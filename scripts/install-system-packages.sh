#!/usr/bin/env sh
# Debian/Ubuntu packages the app and its tests need; installs only what is missing.
# Qt's runtime libraries, CJK fonts (Chinese renders as boxes without them), Xvfb for real-window
# screenshots, and PostgreSQL, which the test suite starts as a throwaway cluster.
set -eu
wanted="libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-wqy-microhei xvfb libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 python3-venv"
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || wanted="$wanted postgresql"
missing=""
for package in $wanted; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "Missing Debian packages:$missing (run this script as root to install them)" >&2; exit 1
    fi
else SUDO=""; fi
echo "Installing Debian packages:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
