"""The data model every layer shares: errors, the activity facts and their vocabulary, dates and
periods, the :class:`~lawbasis.Decision` a rule run is assembled into, and bounded YAML reading.

Nothing here imports durable_rules; nothing here imports a layer above it.
"""
