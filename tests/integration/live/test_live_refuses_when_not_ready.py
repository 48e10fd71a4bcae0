"""A live run (not a replay) checks readiness first and refuses to trade with the named reason."""

from vyapari.cli.main import main


def test_live_run_on_a_holiday_refuses_with_not_a_session(tmp_path, capsys):
    code = main(["live", "--broker", "paper", "--strategy", "sma_cross_bar", "--symbols", "RELIANCE",
                 "--state-dir", str(tmp_path), "--ready-at", "2026-01-26T09:00:00+05:30"])
    err = capsys.readouterr().err
    assert code == 1
    assert "NotASession" in err and "calendar" in err


def test_ready_at_must_carry_an_offset(tmp_path, capsys):
    code = main(["live", "--broker", "paper", "--strategy", "sma_cross_bar", "--symbols", "RELIANCE",
                 "--state-dir", str(tmp_path), "--ready-at", "2026-01-27T09:00:00"])
    assert code == 2
    assert "needs a UTC offset" in capsys.readouterr().err
