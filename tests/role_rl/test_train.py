"""``olp train`` trains a policy, saves it, and the ppo manager starts from it."""

import json

import pytest

from olp.cli import main
from role_rl.managers import make_manager
from role_rl.replay import MODELS, ROLES


def test_train_saves_a_policy_the_ppo_manager_loads(shared_data, tmp_path, capsys):
    pytest.importorskip("stable_baselines3")
    out = tmp_path / "policy.zip"
    assert main(["train", "--timesteps", "256", "--seed", "1", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert out.is_file() and result["policy"] == str(out) and result["timesteps"] == 256
    assert 0.0 <= result["final_correct_share"] <= 1.0
    manager = make_manager("ppo", MODELS, roles=ROLES, policy_path=str(out))
    assert set(manager.preferences("topic_finder")) == set(MODELS)


def test_train_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["train", "--timesteps", "10", "--out", str(tmp_path / "no" / "p.zip")]) == 2
    assert "does not exist" in capsys.readouterr().err
