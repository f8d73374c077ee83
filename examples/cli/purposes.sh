#!/bin/sh
# Purpose ids of one policy with the heading quoted from its text.
set -e
lawbasis purposes jetpak-dk
lawbasis purposes jetpak-se
