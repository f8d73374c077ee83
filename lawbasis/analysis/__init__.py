"""Analysis over many decisions: scenario grids and counterfactuals (:mod:`.explore`), plots
(:mod:`.plot`), whole-policy reports (:mod:`.report`) and the comparison of two policies (:mod:`.diff`).
"""
