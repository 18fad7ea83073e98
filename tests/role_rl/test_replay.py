"""The recorded runs served as a pool: answers, rewards, costs and the reference figures."""

import json

import pytest

from olp.errors import ConfigError
from role_rl.replay import JUDGES, MODELS, ROLES, TASKS, ReplayData
from role_rl.reward import preset

ANSWER_KEYS = {"topic_finder": "item_list", "topic_locator": "Index_list", "relationship_checker": "Index_list",
               "content_organizer": "result"}


@pytest.mark.parametrize("judge", sorted(JUDGES))
def test_serves_the_recorded_answers_rewards_and_costs(shared_data, judge):
    raw = json.loads((shared_data / "role-rl-recorded" / f"output_dict_judged_by_{JUDGES[judge][0]}.txt")
                     .read_text(encoding="utf-8"))
    data = ReplayData(judge, root=shared_data)
    for task in TASKS:
        for m, model in enumerate(MODELS):
            for r, role in enumerate(ROLES):
                stored = raw[f"{task}.txt"][m][r]
                rec = data.get(task, model, role)
                assert rec.answer == stored[ANSWER_KEYS[role]]
                assert rec.reward == stored["reward"] and rec.cost_usd == stored["cost"][0]
                assert rec.judge_cost_usd * rec.judge_calls == pytest.approx(stored["cost"][1])
                assert rec.success == (stored["reward"] > 0)


def test_paper_preset_recomputes_the_recorded_rewards(shared_data):
    data = ReplayData("claude", root=shared_data)
    paper = preset("paper")
    for task in TASKS:
        for model in MODELS:
            for role in ROLES:
                rec = data.get(task, model, role)
                assert rec.reward_with(paper) == pytest.approx(rec.reward, abs=1e-9)


def test_reference_figures_match_the_issue(shared_data):
    from role_rl.bench_replay import reference_figures

    claude = reference_figures(ReplayData("claude", root=shared_data))
    gemini = reference_figures(ReplayData("gemini", root=shared_data))
    assert round(100 * claude["oracle"], 1) == 83.0
    assert round(100 * gemini["oracle"], 1) == 74.8
    assert round(100 * claude["best_fixed"], 1) == 58.9


def test_task_inputs_and_features(shared_data):
    data = ReplayData("claude", root=shared_data)
    rows = data.sentences("Task2")
    assert rows and all(isinstance(i, int) and isinstance(t, str) for i, t in rows)
    feats = {t: data.features(t) for t in TASKS}
    assert feats["Task2"]["n_sentences"] == len(rows)
    assert all(f["zh"] > 0.5 for f in feats.values())  # Chinese snippets


def test_unknown_names_suggest_the_valid_ones(shared_data):
    data = ReplayData("claude", root=shared_data)
    with pytest.raises(ConfigError, match="did you mean 'Task.'.*choose one of: Task1, Task2, Task3"):
        data.get("Task4", MODELS[0], ROLES[0])
    with pytest.raises(ConfigError, match="did you mean 'claude'"):
        ReplayData("claud", root=shared_data)


def test_missing_data_says_where_to_point(tmp_path):
    with pytest.raises(ConfigError, match="OLP_DATA_DIR"):
        ReplayData("claude", root=tmp_path)
