"""Sphinx configuration: Markdown pages (MyST) plus the API from docstrings (autodoc)."""
from __future__ import annotations

import lawbasis

project = "lawbasis"
author = "lawbasis developers"
release = lawbasis.__version__
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
html_theme = "alabaster"
nitpicky = False
suppress_warnings = ["myst.header"]
