"""``stackyard`` without a command calls ``tui.app.main(project_dir=...)``; bad config never opens the screen."""

from __future__ import annotations

import pytest

from tui.app import main


def test_broken_config_is_reported_on_stderr_with_the_usage_exit_code(tmp_path, capsys):
    (tmp_path / "stackyard.yaml").write_text("project: [oops\n")
    with pytest.raises(SystemExit) as exc:
        main(project_dir=tmp_path)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "stackyard.yaml:2:1" in err and "invalid YAML" in err
    assert not (tmp_path / ".stackyard").exists()  # nothing was created for a project that failed to load


def test_log_buffer_size_must_be_sane(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STACKYARD_TUI_LOG_LINES", "ten")
    with pytest.raises(SystemExit) as exc:
        main(project_dir=tmp_path)
    assert exc.value.code == 2
    assert "STACKYARD_TUI_LOG_LINES" in capsys.readouterr().err
    assert not (tmp_path / ".stackyard").exists()
