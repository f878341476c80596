"""CI's line budget: no source file over FILE_BUDGET lines (files over it today are allowed their current size, no
more), and no more than TOTAL_BUDGET lines of source in all. Prints the totals per top-level folder, so growth is
seen on every run and raising a budget is a decision made in this file.

Usage: python tools/check_lines.py [ROOT]; exit status 1 when a budget is exceeded.
"""
import collections
import pathlib
import subprocess
import sys

SUFFIXES = (".py", ".pyi", ".cpp", ".cc", ".h", ".hpp", ".cu", ".cuh")
FILE_BUDGET = 500
TOTAL_BUDGET = 55_000  # 44,285 lines when this was written (Dec 2026); plugins under way need room
# Today's files over FILE_BUDGET, at their size then: they may shrink, not grow. Remove a row once under budget.
ALLOWED = {
}
GENERATED = {"pydl/_C.pyi"}  # written by tools/gen_stubs.py, not by hand: not counted


def source_files(root):
    """Tracked and untracked-but-not-ignored source files (git), else every source file outside build folders."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, text=True, check=True).stdout.split("\n")
        paths = [pathlib.Path(p) for p in out if p]
    except (OSError, subprocess.CalledProcessError):
        skip = {"build", ".git", "__pycache__", ".venv", "venv"}
        paths = [p.relative_to(root) for p in root.rglob("*") if not skip & set(p.relative_to(root).parts)]
    return sorted(p for p in paths if p.suffix in SUFFIXES and (root / p).is_file())


def count(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def check(root):
    """(lines per file, [problems], [notes])."""
    sizes = {p.as_posix(): count(root / p) for p in source_files(root) if p.as_posix() not in GENERATED}
    problems, notes = [], []
    for name, n in sizes.items():
        allowed = ALLOWED.get(name, FILE_BUDGET)
        if n > allowed:
            why = f"its allowance is {allowed} (today's size)" if name in ALLOWED else f"the budget is {FILE_BUDGET}"
            problems.append(f"{name}: {n} lines; {why}: split it by job, or raise the allowance in "
                            "tools/check_lines.py as a decision")
    for name, allowed in ALLOWED.items():
        if name in sizes and sizes[name] <= FILE_BUDGET:
            notes.append(f"{name} is within budget now ({sizes[name]} lines): drop it from ALLOWED")
        elif name in sizes and sizes[name] < allowed:
            notes.append(f"{name} shrank to {sizes[name]} lines: lower its allowance from {allowed}")
    total = sum(sizes.values())
    if total > TOTAL_BUDGET:
        problems.append(f"{total} lines of source in all; the budget is {TOTAL_BUDGET} (raise it in "
                        "tools/check_lines.py as a decision)")
    return sizes, problems, notes


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
    sizes, problems, notes = check(root)
    by_folder = collections.Counter()
    for name, n in sizes.items():
        by_folder[name.split("/")[0] if "/" in name else "."] += n
    print("lines of source (" + ", ".join(SUFFIXES) + "):")
    for folder, n in sorted(by_folder.items(), key=lambda kv: -kv[1]):
        print(f"  {folder:<12} {n:>7}")
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    print(f"  {'total':<12} {sum(sizes.values()):>7} of {TOTAL_BUDGET} in {len(sizes)} files; per file <= "
          f"{FILE_BUDGET}, largest: " + ", ".join(f"{k} {v}" for k, v in largest))
    for line in notes:
        print(f"note: {line}")
    for line in problems:
        print(f"FAIL {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
