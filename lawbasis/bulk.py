"""``lawbasis.bulk``: the public name of :mod:`lawbasis.tables.bulk`.

Importing either gives the same module object, so names, patches and ``isinstance`` agree.
"""

import sys

from lawbasis.tables.bulk import *  # noqa: F403  (what type checkers and ``dir()`` see)
from lawbasis.tables.bulk import __all__ as __all__

sys.modules[__name__] = sys.modules["lawbasis.tables.bulk"]
