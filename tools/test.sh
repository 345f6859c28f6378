#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
# LibreOffice with its X11 backend (libreoffice-calc, not -nogui), Xvfb, xwd and xdotool: the workbook tests
# run it headless, tools/render.py --dropdowns (and tests/test_render.py) in a real window on a virtual screen.
if ! command -v soffice >/dev/null || ! /usr/bin/python3 -c "import uno" 2>/dev/null \
   || [ ! -e "$(dirname "$(readlink -f "$(command -v soffice)")")/libvclplug_genlo.so" ] \
   || ! command -v Xvfb >/dev/null || ! command -v xwd >/dev/null || ! command -v xdotool >/dev/null \
   || ! command -v pdftoppm >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq libreoffice-calc python3-uno xvfb x11-apps xdotool poppler-utils fonts-noto-cjk \
    >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v -i "warning" || true
python3 -m pytest -q -p no:cacheprovider "$@"
