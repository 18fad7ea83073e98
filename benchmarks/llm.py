#!/usr/bin/env python3
"""Runs `olp bench llm` (the same arguments; see `olp bench llm --help`)."""
import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from olp.cli import main  # noqa: E402

sys.exit(main(["bench", "llm", *sys.argv[1:]]))
