#!/usr/bin/env python3
"""Runs `olp bench replay` (the same arguments; see `olp bench replay --help`)."""
import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from olp.cli import main  # noqa: E402

sys.exit(main(["bench", "replay", *sys.argv[1:]]))
