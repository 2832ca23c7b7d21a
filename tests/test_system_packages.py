"""scripts/install-system-packages, which `make run`, `make test` and so `.ci/run` call first."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# Debian's default PATH; a user's own tool folders (pyenv shims under /root, say) are not for `nobody` to run.
SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]


@pytest.fixture
def script(project_root) -> str:
    """The set-up script's path."""
    return str(project_root / "scripts" / "install-system-packages")


def as_another_user(command: list[str]) -> list[str]:
    """The command as an ordinary user: `nobody` when the suite runs as root (CI), else the suite's own user."""
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def path_without_redis():
    """A PATH with every program of Debian's default PATH except redis-server, readable by any user."""
    directory = Path(tempfile.mkdtemp(prefix="path-without-redis-"))
    directory.chmod(0o755)
    for folder in SYSTEM_PATH:
        for program in Path(folder).glob("*"):
            link = directory / program.name
            if program.name != "redis-server" and not link.exists() and not link.is_symlink():
                link.symlink_to(program)
    yield str(directory)
    shutil.rmtree(directory)


def run(command: list[str], **env) -> subprocess.CompletedProcess:
    """Run a command with extra environment variables, capturing its output as text."""
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ, **env}, check=False)


def test_check_reports_nothing_missing_on_this_machine(script):
    """Everything the suite needs is installed here, so the check prints nothing and succeeds."""
    result = run([script, "--check"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_an_ordinary_user_with_everything_installed_is_not_stopped(script):
    """Nothing missing: the script is silent and `make test` carries on, whoever runs it."""
    result = run(as_another_user([script]))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_check_names_a_missing_package(script, path_without_redis):
    """With redis-server out of sight, the check names its Debian package and fails."""
    result = run([script, "--check"], PATH=path_without_redis)
    assert (result.returncode, result.stdout) == (1, "redis-server\n")


def test_an_ordinary_user_gets_the_apt_get_line_and_a_failure(script, path_without_redis):
    """Not root and something missing: the one `apt-get install` line to run, a clear reason, exit status 1."""
    result = run(as_another_user(["env", f"PATH={path_without_redis}", script]))
    assert result.returncode == 1
    assert "Missing Debian packages for `make test`: redis-server" in result.stderr
    assert "  apt-get install -y --no-install-recommends redis-server\n" in result.stderr
    assert result.stdout == ""


def test_the_demo_needs_no_database_server(script, path_without_redis):
    """`make run` asks only for what the demo uses, so a missing Redis does not stop it."""
    result = run(as_another_user(["env", f"PATH={path_without_redis}", script, "run"]))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
