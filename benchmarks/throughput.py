#!/usr/bin/env python3
"""Runs `olp bench throughput` (the same arguments; see `olp bench throughput --help`)."""
import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from olp.cli import main  # noqa: E402

sys.exit(main(["bench", "throughput", *sys.argv[1:]]))
