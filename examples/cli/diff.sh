#!/bin/sh
# Where the Danish and Swedish versions of the Jetpak policy decide differently (clauses quoted on each side).
set -e
lawbasis diff jetpak-dk jetpak-se
lawbasis diff jetpak-dk jetpak-se --json > /dev/null
