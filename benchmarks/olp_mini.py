#!/usr/bin/env python3
"""Runs `olp bench olp-mini` (the same arguments; see `olp bench olp-mini --help`)."""
import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from olp.cli import main  # noqa: E402

sys.exit(main(["bench", "olp-mini", *sys.argv[1:]]))
