#!/bin/sh
# Decide activities: an object in gives one object out, a list in gives a list out; '-' reads stdin.
set -e
cd "$(dirname "$0")/.."
lawbasis evaluate scenarios/jetpak.json
echo '{"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given",
       "dates": {"contract_ended": "2025-06-30"}}' | lawbasis evaluate --explain -
