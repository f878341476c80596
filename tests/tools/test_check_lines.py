"""tools/check_lines.py (CI's line budget) fails a file over budget and lets an allowed one keep its size."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_lines", ROOT / "tools" / "check_lines.py")
check_lines = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_lines)


def test_budgets(tmp_path, monkeypatch):
    (tmp_path / "pydl").mkdir()
    (tmp_path / "pydl" / "small.py").write_text("x = 1\n" * 10)
    (tmp_path / "pydl" / "big.cpp").write_text("//\n" * (check_lines.FILE_BUDGET + 1))
    (tmp_path / "pydl" / "old.py").write_text("x = 1\n" * 600)
    (tmp_path / "notes.txt").write_text("x\n" * 10_000)  # not source: not counted
    monkeypatch.setattr(check_lines, "ALLOWED", {"pydl/old.py": 600})
    sizes, problems, notes = check_lines.check(tmp_path)
    assert sizes == {"pydl/big.cpp": 501, "pydl/old.py": 600, "pydl/small.py": 10}
    assert len(problems) == 1 and problems[0].startswith("pydl/big.cpp: 501 lines; the budget is 500")
    monkeypatch.setattr(check_lines, "TOTAL_BUDGET", 1000)
    (tmp_path / "pydl" / "old.py").write_text("x = 1\n" * 601)
    _, problems, _ = check_lines.check(tmp_path)
    assert [p.split(";")[0] for p in problems] == ["pydl/big.cpp: 501 lines", "pydl/old.py: 601 lines",
                                                   "1112 lines of source in all"]
