"""``lawbasis.invariants``: the public name of :mod:`lawbasis.testing.invariants`.

Importing either gives the same module object, so names, patches and ``isinstance`` agree.
"""

import sys

from lawbasis.testing.invariants import *  # noqa: F403  (what type checkers and ``dir()`` see)
from lawbasis.testing.invariants import __all__ as __all__

sys.modules[__name__] = sys.modules["lawbasis.testing.invariants"]
