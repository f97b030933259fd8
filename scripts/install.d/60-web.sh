#!/usr/bin/env bash
# The web UI's end-to-end tests drive Debian's Chromium headless through Microsoft.Playwright (never
# `playwright install`: no browser downloads). Idempotent: apt_install skips installed packages.
set -euo pipefail
apt_install chromium fonts-noto-cjk
