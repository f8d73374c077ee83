#!/bin/sh
# Every purpose's bases, objection outcome, retention windows and findings, found by enumerating the fact grid.
set -e
lawbasis report jetpak-dk
lawbasis report jetpak-se --format markdown
lawbasis report jetpak-se --format json > /dev/null
