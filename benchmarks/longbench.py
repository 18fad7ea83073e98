#!/usr/bin/env python3
"""Runs `olp bench longbench` (the same arguments; see `olp bench longbench --help`)."""
import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from olp.cli import main  # noqa: E402

sys.exit(main(["bench", "longbench", *sys.argv[1:]]))
