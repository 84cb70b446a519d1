#!/bin/sh
# Installs Debian's chromium for the tests that render a page in a real browser.
# Exit 0: chromium is on the PATH. Exit 3: this machine has no apt-get (the test is skipped).
# Any other exit: the install failed, and the test fails with this script's output.
set -eu
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get on this machine: cannot install chromium" >&2
    exit 3
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo -n"
fi
# Another build may hold the dpkg lock: wait for it rather than fail.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core
command -v chromium
