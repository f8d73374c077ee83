#!/bin/sh
# List the loaded policies: id, controller, language, purpose count.
set -e
lawbasis policies
