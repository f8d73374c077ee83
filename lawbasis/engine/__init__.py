"""The rule language and its engine: rule files (:mod:`.rulefile`), their conflict checks
(:mod:`.conflicts`), the compiler to durable_rules' JSON rulesets (:mod:`.compiler`) and the host
that runs them with its memo (:mod:`.host`).
"""
