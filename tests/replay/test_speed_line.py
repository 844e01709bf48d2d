"""Issue 24: the replay's speed line said "0.0 recorded hours a second" for a short recording."""

from __future__ import annotations

from commands.replay import speed_line


def test_a_short_recording_replayed_says_its_real_pace() -> None:
    # 8 cycles 60 s apart (7 recorded minutes) replayed in 20 s.
    assert speed_line(8, 420.0, 20.0) == (
        "replayed 8 cycles (7.0 min recorded) in 20.0 s: 21x the recorded pace, 0.4 cycles a second"
    )


def test_a_long_recording_in_hours_and_an_instant_replay() -> None:
    assert "(24.0 h recorded)" in speed_line(1440, 86400.0, 60.0)
    assert "1,440x the recorded pace" in speed_line(1440, 86400.0, 60.0)
    assert "at once" in speed_line(1, 0.0, 0.0)
