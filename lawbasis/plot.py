"""``lawbasis.plot``: the public name of :mod:`lawbasis.analysis.plot`.

Importing either gives the same module object, so names, patches and ``isinstance`` agree.
"""

import sys

from lawbasis.analysis.plot import *  # noqa: F403  (what type checkers and ``dir()`` see)
from lawbasis.analysis.plot import __all__ as __all__

sys.modules[__name__] = sys.modules["lawbasis.analysis.plot"]
