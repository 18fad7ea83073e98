import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).parent / "support"))  # scripted.py and other test helpers

import pytest  # noqa: E402

from olp.settings import data_dir  # noqa: E402


@pytest.fixture
def shared_data() -> Path:
    """The shared third-party data, or skip when it is not beside the checkout."""
    d = data_dir()
    if not d.is_dir():
        pytest.skip(f"shared data not found at {d} (set OLP_DATA_DIR)")
    return d


@pytest.fixture
def scripted():
    """A scripted model registered with litellm as ``olp-test/scripted``; tests adjust its answers."""
    from scripted import ScriptedModel, install

    model = ScriptedModel()
    install(model)
    return model
