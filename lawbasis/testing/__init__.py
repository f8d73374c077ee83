"""Testing tools for services that use lawbasis: Hypothesis strategies (:mod:`.strategies`),
legal invariants (:mod:`.invariants`), scenario files (:mod:`.scenarios`) and the pytest plugin that
collects them (:mod:`.pytest_plugin`).

Importing this package imports nothing heavy; each module imports what it needs.
"""
