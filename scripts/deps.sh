#!/bin/sh
# Install the Debian 12 packages nanoacme needs, only those that are missing.
# Idempotent: a second run installs nothing and prints one line.
# Usage: scripts/deps.sh [--check]   (--check: report missing packages, install nothing)
set -eu

PACKAGES="
make gcc libc6-dev binutils pkgconf python3
libwolfssl-dev libjsmn-dev libcmocka-dev
pebble openssl python3-cryptography curl
clang libclang-rt-14-dev
qemu-user qemu-system-arm
gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
gcc-mips-linux-gnu libc6-dev-mips-cross
dpkg-dev xz-utils time
"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "deps: all packages present"
    exit 0
fi

if [ "${1:-}" = "--check" ]; then
    echo "deps: missing:$missing"
    exit 1
fi

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: this is not a Debian system; install these packages (Debian 12 names) by hand:$missing" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "deps: not root, cannot install; run as root: apt-get install$missing" >&2
    exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y -q --no-install-recommends $missing; then
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing || {
        echo "deps: apt-get failed; install by hand:$missing" >&2
        exit 1
    }
fi
