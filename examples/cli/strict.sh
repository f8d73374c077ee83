#!/bin/sh
# --strict: exit status 1 when the output holds a finding of severity 'violation'; 2 on bad input.
echo '{"policy": "jetpak-dk", "purpose": "marketing"}' | lawbasis evaluate --strict - > /dev/null
echo "jetpak-dk marketing --strict: exit $? (1: objection_override_unlawful is a violation)"
echo '{"policy": "nosuch", "purpose": "marketing"}' | lawbasis evaluate -
echo "unknown policy: exit $?"
# --rules DIR: the same commands against another rule directory
lawbasis policies --rules "$(dirname "$0")/../../rules"
