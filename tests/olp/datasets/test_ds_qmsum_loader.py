"""QMSum loader: turns as sentences, topics as unions of inclusive turn ranges."""

from __future__ import annotations

import json

import pytest

from olp.datasets import qmsum
from olp.errors import BadInputError
from olp.settings import data_dir

needs_data = pytest.mark.skipif(not (data_dir() / "qmsum").is_dir(), reason="shared QMSum data not found")


def write_meeting(folder, name="M1"):
    folder.mkdir(parents=True, exist_ok=True)
    meeting = {
        "topic_list": [
            {"topic": "budget", "relevant_text_span": [["0", "1"], ["4", "5"]]},
            {"topic": "tail", "relevant_text_span": [["5", "99"]]},
            {"topic": "outside", "relevant_text_span": [["50", "60"]]},
        ],
        "meeting_transcripts": [{"speaker": f"S{i % 2}", "content": f"turn {i} ."} for i in range(7)],
    }
    (folder / f"{name}.json").write_text(json.dumps(meeting), encoding="utf-8")


def test_hand_made_meeting(tmp_path):
    write_meeting(tmp_path / "val")
    meeting = qmsum.load_meeting(tmp_path / "val" / "M1.json")
    assert (meeting.name, meeting.split) == ("M1", "val")
    assert [s.id for s in meeting.sentences] == list(range(7))
    assert meeting.sentences[3].text == "S1: turn 3 ."
    assert [(t.name, t.ids) for t in meeting.topics] == [("budget", (0, 1, 4, 5)), ("tail", (5, 6))]


def test_splits_and_errors(tmp_path):
    write_meeting(tmp_path / "train", "A")
    write_meeting(tmp_path / "val", "B")
    assert [m.name for m in qmsum.iter_meetings("all", root=tmp_path)] == ["A", "B"]
    assert [m.name for m in qmsum.iter_meetings("val", root=tmp_path)] == ["B"]
    with pytest.raises(BadInputError, match="held out"):
        qmsum.list_files("test", root=tmp_path)
    (tmp_path / "val" / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(BadInputError, match="not a QMSum meeting"):
        qmsum.load_meeting(tmp_path / "val" / "bad.json")


@needs_data
def test_real_meetings_match_the_raw_json():
    for split in qmsum.SPLITS:
        files = qmsum.list_files(split)
        assert files
        raw = json.loads(files[0].read_text(encoding="utf-8"))
        meeting = qmsum.load_meeting(files[0])
        turns = raw["meeting_transcripts"]
        assert [s.text for s in meeting.sentences] == [f"{t['speaker']}: {t['content']}" for t in turns]
        expected = [sorted({i for a, b in t["relevant_text_span"] for i in range(int(a), int(b) + 1)})
                    for t in raw["topic_list"]]
        assert [list(t.ids) for t in meeting.topics] == expected
        assert meeting.split == split
