#!/bin/sh
# One command from a fresh clone to a running site: installs php-cgi with the
# system package manager when it is missing, installs the npm dependencies,
# builds, and serves examples/site through php-cgi on http://localhost:8080.
set -eu
cd "$(dirname "$0")/.."

if ! command -v php-cgi >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update && $SUDO apt-get install -y php-cgi
  elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y php-cli      # Fedora/RHEL ship php-cgi in php-cli
  elif command -v apk >/dev/null 2>&1; then
    $SUDO apk add php-cgi
  elif command -v brew >/dev/null 2>&1; then
    brew install php                  # includes php-cgi
  else
    echo "php-cgi is missing and no known package manager was found; install php-cgi and run again" >&2
    exit 1
  fi
fi

npm install
npm run build
# bin/iis-fastcgi is the package's command: Node with the tuned V8 heap (README, "Performance").
exec bin/iis-fastcgi serve --config examples/site.json --port "${PORT:-8080}" --host "${HOST:-127.0.0.1}"
