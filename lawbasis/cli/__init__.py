"""The ``lawbasis`` command (:mod:`.app`) and its ``sweep`` sub-command (:mod:`.sweep`)."""

from lawbasis.cli.app import main

__all__ = ["main"]
