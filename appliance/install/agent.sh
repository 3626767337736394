#!/bin/sh
# Installs the Cairn agent from the appliance that serves this script (no internet needed):
#
#   curl -fsSL http://APPLIANCE/install/agent.sh | sudo sh -s -- --server http://APPLIANCE \
#       --token TOKEN --appliance-fingerprint HEX
#
# It downloads the agent bundle for this machine's architecture (agent + Deno runtime), checks
# its SHA-256, unpacks it to the prefix, writes a hardened systemd unit, enrolls with the token
# and starts the service.
#
#   sh agent.sh --uninstall [--purge]    removes the service, the program and the command link;
#                                        --purge also removes the state dir (identity, outbox)
#
# Options: --prefix DIR (default /opt/cairn-agent), --state-dir DIR (default
# /var/lib/cairn-agent), --root DIR (install under another root, for images and tests: nothing
# outside it is touched and systemctl is skipped), --no-start, --bundle FILE (a local bundle
# instead of downloading one).
set -eu

SERVER=""
TOKEN=""
FINGERPRINT=""
PREFIX=/opt/cairn-agent
STATE_DIR=/var/lib/cairn-agent
ROOT=""
MODE=install
START=yes
PURGE=no
BUNDLE=""
UNIT=cairn-agent.service

say() { printf 'cairn-agent install: %s\n' "$*"; }
die() { printf 'cairn-agent install: %s\n' "$*" >&2; exit 1; }

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --server) need_value "$@"; SERVER=${2%/}; shift 2 ;;
    --token) need_value "$@"; TOKEN=$2; shift 2 ;;
    --appliance-fingerprint) need_value "$@"; FINGERPRINT=$2; shift 2 ;;
    --prefix) need_value "$@"; PREFIX=${2%/}; shift 2 ;;
    --state-dir) need_value "$@"; STATE_DIR=${2%/}; shift 2 ;;
    --root) need_value "$@"; ROOT=${2%/}; shift 2 ;;
    --bundle) need_value "$@"; BUNDLE=$2; shift 2 ;;
    --no-start) START=no; shift ;;
    --uninstall) MODE=uninstall; shift ;;
    --purge) PURGE=yes; shift ;;
    -h|--help) sed -n '2,21p' "$0" 2>/dev/null || true; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done

case "$PREFIX$STATE_DIR" in
  *[!A-Za-z0-9/_.-]*) die "--prefix and --state-dir may hold letters, digits and / _ . - only" ;;
esac
case "$PREFIX" in /?*) ;; *) die "--prefix must be an absolute path" ;; esac
case "$STATE_DIR" in /?*) ;; *) die "--state-dir must be an absolute path" ;; esac

UNIT_FILE="$ROOT/etc/systemd/system/$UNIT"
LINK="$ROOT/usr/local/bin/cairn-agent"

# systemctl is used only on the live system: not under --root, not without systemd running.
use_systemctl() {
  [ -z "$ROOT" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]
}

fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "needs curl or wget to download from the appliance"
  fi
}

arch() {
  case "$(uname -m)" in
    x86_64|amd64) echo x86_64 ;;
    aarch64|arm64) echo aarch64 ;;
    *) die "no agent build for this architecture: $(uname -m)" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

uninstall() {
  if use_systemctl; then
    systemctl disable --now "$UNIT" >/dev/null 2>&1 || true
  else
    say "systemctl skipped (not the live system or no systemd)"
  fi
  rm -f "$UNIT_FILE" "$LINK"
  rm -rf "$ROOT$PREFIX"
  if use_systemctl; then systemctl daemon-reload; fi
  if [ "$PURGE" = yes ]; then
    rm -rf "$ROOT$STATE_DIR"
    say "removed, with its state dir"
  else
    say "removed; kept $STATE_DIR (this host's identity and unsent reports): --purge removes it"
  fi
}

unpack() {
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if [ -z "$BUNDLE" ]; then
    [ -n "$SERVER" ] || die "--server URL is required"
    a=$(arch)
    say "downloading the agent for $a from $SERVER"
    fetch "$SERVER/install/agent.tar.gz?arch=$a" "$tmp/agent.tar.gz"
    fetch "$SERVER/install/agent.sha256?arch=$a" "$tmp/agent.sha256"
    [ "$(sha256_of "$tmp/agent.tar.gz")" = "$(tr -d ' \n' < "$tmp/agent.sha256")" ] ||
      die "the download does not match its SHA-256; nothing was installed"
    BUNDLE="$tmp/agent.tar.gz"
  fi
  mkdir -p "$(dirname "$ROOT$PREFIX")"
  rm -rf "$ROOT$PREFIX.new"
  mkdir -p "$ROOT$PREFIX.new"
  tar -xzf "$BUNDLE" -C "$ROOT$PREFIX.new" --strip-components=1 --no-same-owner
  [ -x "$ROOT$PREFIX.new/bin/deno" ] || die "the bundle holds no Deno runtime"
  rm -rf "$ROOT$PREFIX.old"
  if [ -d "$ROOT$PREFIX" ]; then mv "$ROOT$PREFIX" "$ROOT$PREFIX.old"; fi
  mv "$ROOT$PREFIX.new" "$ROOT$PREFIX"
  rm -rf "$ROOT$PREFIX.old"
}

install_files() {
  mkdir -p "$ROOT$STATE_DIR" "$(dirname "$UNIT_FILE")" "$(dirname "$LINK")"
  chmod 700 "$ROOT$STATE_DIR"
  ln -sf "$PREFIX/bin/cairn-agent" "$LINK"
  sed -e "s#@PREFIX@#$PREFIX#g" -e "s#@STATE_DIR@#$STATE_DIR#g" \
    "$ROOT$PREFIX/share/cairn-agent.service.in" > "$UNIT_FILE.tmp"
  chmod 644 "$UNIT_FILE.tmp"
  mv "$UNIT_FILE.tmp" "$UNIT_FILE"
  say "installed to $PREFIX, unit $UNIT"
}

enroll() {
  [ -n "$SERVER" ] || { say "no --server: enroll later with cairn-agent enroll"; return 0; }
  set -- enroll --server "$SERVER" --state-dir "$ROOT$STATE_DIR"
  [ -z "$TOKEN" ] || set -- "$@" --token "$TOKEN"
  [ -z "$FINGERPRINT" ] || set -- "$@" --appliance-fingerprint "$FINGERPRINT"
  DENO_DIR="$ROOT$STATE_DIR/deno" "$ROOT$PREFIX/bin/cairn-agent" "$@" || die "enrollment failed; the agent is installed but not enrolled"
}

start() {
  if [ "$START" = yes ] && use_systemctl; then
    systemctl daemon-reload
    systemctl enable --now "$UNIT"
    say "service started"
  else
    say "systemctl skipped; start it with: systemctl enable --now $UNIT"
  fi
}

if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then die "run as root (sudo)"; fi
if [ "$MODE" = uninstall ]; then
  uninstall
else
  unpack
  install_files
  enroll
  start
fi
