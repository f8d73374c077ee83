#!/bin/sh
# Every purpose's bases, objection outcome, retention windows and findings, found by enumerating the fact grid.
# A whole policy (jackon-dk: 6 purposes), then one purpose of a larger one, on a given day and with given dates.
set -e
lawbasis report jackon-dk
lawbasis report jetpak-se --purpose marketing --format markdown
lawbasis report jetpak-dk --purpose bookkeeping --as-of 2029-01-01 --date fiscal_year_end=2023-06-30 --format json > /dev/null
