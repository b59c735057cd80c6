"""Secrets come from the environment, .env or a secrets file, and never show their value."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from streamhook_nb.verify.secrets import (
    Keyring,
    Secret,
    SecretError,
    env_value,
    find_dotenv,
    from_env,
    from_file,
    keyring,
)

VALUE = "s3cr3t-value-that-must-never-show"


def test_secret_hides_its_value() -> None:
    secret = Secret(VALUE, "STREAM_API_SECRET")
    for text in (repr(secret), str(secret), f"{secret}", repr([secret]), repr(Keyring((secret,)))):
        assert VALUE not in text
        assert "STREAM_API_SECRET" in text
    assert secret.key == VALUE.encode()
    assert secret.reveal() == VALUE


def test_trimmed_variant() -> None:
    assert Secret(VALUE, "A").trimmed() is None
    padded = Secret(f" {VALUE}\n", "A")
    trimmed = padded.trimmed()
    assert trimmed is not None
    assert trimmed.key == VALUE.encode()
    assert trimmed.label == "A (trimmed)"


def test_empty_secret_is_refused_without_echo() -> None:
    with pytest.raises(SecretError, match="the secret from X is empty"):
        Secret("", "X")


def test_from_env_then_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"OLD_SECRET={VALUE}-old\n")
    secrets = from_env(["NEW_SECRET", "OLD_SECRET"], dotenv=dotenv, environ={"NEW_SECRET": VALUE})
    assert [s.label for s in secrets] == ["NEW_SECRET", "OLD_SECRET"]
    assert [s.reveal() for s in secrets] == [VALUE, f"{VALUE}-old"]


def test_missing_env_names_the_variable_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as caught:
        from_env(["STREAM_API_SECRET"], dotenv=tmp_path / ".env", environ={})
    message = str(caught.value)
    assert "STREAM_API_SECRET is not set" in message
    assert "secrets_file=" in message  # Python wording; the command line shows its own
    assert "--secrets-file" in caught.value.shell_message()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("secrets.json", f'{{"key1": "{VALUE}", "key2": ["{VALUE}-new", "{VALUE}-old"]}}'),
        ("secrets.toml", f'key1 = "{VALUE}"\nkey2 = ["{VALUE}-new", "{VALUE}-old"]\n'),
    ],
)
def test_secrets_file_json_or_toml_with_rotation(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    apps = from_file(path)
    assert [s.label for s in apps["key1"]] == [f"{path}:key1"]
    assert [s.label for s in apps["key2"]] == [f"{path}:key2[0]", f"{path}:key2[1]"]
    assert apps["key2"][0].reveal() == f"{VALUE}-new"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not = [valid", r"neither JSON nor valid TOML \(line 1, column 8\)"),
        ('["a", "b"]', "must map API keys to secrets"),
        ('{"key1": 5}', "entry for API key 'key1' is a number, not a secret"),
        ("{}", "maps no API key"),
        ('{"key1": "s3cr3t-a",\n', r"not valid JSON \(line 2, column 1\)"),
        ('key1 = "s3cr3t-a"\nkey2 = s3cr3t-b\n', r"nor valid TOML \(line 2, column 8\)"),
        ('{"key1": ""}', "entry for API key 'key1' is an empty string"),
        ('{"key1": []}', "entry for API key 'key1' is an empty list"),
        ('key1 = ["s3cr3t-a", 5]', r"entry for API key 'key1'\[1\] is a number, not a secret"),
        ("[key1]\nsecret = 's3cr3t-a'", "entry for API key 'key1' is a table, not a secret"),
        ("[key1]\nsecret = s3cr3t-a", r"nor valid TOML \(line 2, column 10\)"),
        ('["key1", s3cr3t-a]', r"not valid JSON \(line 1, column 10\)"),
    ],
)
def test_bad_secrets_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(text)
    with pytest.raises(SecretError, match=message) as caught:
        from_file(path)
    assert str(path) in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_unreadable_secrets_file(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="cannot read the secrets file"):
        from_file(tmp_path / "nope.toml")


def test_secret_values_never_appear_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(f'key1 = ["{VALUE}", 3]\n')
    with pytest.raises(SecretError) as caught:
        from_file(path)
    assert VALUE not in str(caught.value)


def test_keyring_candidates_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STREAM_API_SECRET", VALUE)
    monkeypatch.setenv("STREAM_API_KEY", "key1")
    ring = keyring()
    assert ring.expected_api_key == "key1"
    assert [s.label for s in ring.candidates("anything")] == ["STREAM_API_SECRET"]
    file = tmp_path / "s.toml"
    file.write_text(f'key2 = "{VALUE}-2"\n')
    keyed = keyring(secrets_file=file)
    assert keyed.keyed
    assert keyed.shared == ()
    assert keyed.candidates("key2")[0].label == f"{file}:key2"
    assert keyed.candidates("key9") == ()
    assert [k for k, _ in keyed.others("key9")] == ["key2"]


def test_empty_keyring_is_an_error() -> None:
    with pytest.raises(SecretError, match="no secret configured"):
        Keyring()


def test_pickled_secret_round_trips_for_worker_processes() -> None:
    secret = Secret(VALUE, "A")
    assert pickle.loads(pickle.dumps(secret)) == secret


def test_dotenv_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"STREAM_API_SECRET=caf\xe9\n")
    with pytest.raises(SecretError, match=r"\.env file is not UTF-8 text \(byte 22\)") as caught:
        from_env(["STREAM_API_SECRET"], dotenv=dotenv, environ={})
    assert str(dotenv) in str(caught.value)


def test_dotenv_with_a_byte_order_mark(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"\xef\xbb\xbfSTREAM_API_SECRET=" + VALUE.encode() + b"\n")
    assert from_env(["STREAM_API_SECRET"], dotenv=dotenv, environ={})[0].key == VALUE.encode()


def test_endless_or_huge_secrets_file_is_refused_quickly(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="larger than 1024 KiB: not a secrets file"):
        from_file("/dev/zero")
    big = tmp_path / "big.json"
    big.write_bytes(b'{"k": "' + b"x" * 2_000_000 + b'"}')
    with pytest.raises(SecretError, match="larger than 1024 KiB"):
        from_file(big)


def test_secrets_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_bytes(b'\xef\xbb\xbf{"key1": "' + VALUE.encode() + b'"}')
    assert from_file(path)["key1"][0].key == VALUE.encode()


def _project(tmp_path: Path, text: str) -> Path:
    """A project with ``text`` in its root ``.env``; returns its ``notebooks/`` folder."""
    (tmp_path / "project" / "notebooks").mkdir(parents=True)
    (tmp_path / "project" / ".env").write_text(text)
    return tmp_path / "project" / "notebooks"


def test_dotenv_in_the_project_root_is_found_from_notebooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_project(tmp_path, f"STREAM_API_SECRET={VALUE}\nSTREAM_API_KEY=key1\n"))
    monkeypatch.delenv("STREAM_API_KEY", raising=False)
    (secret,) = from_env(environ={})
    assert secret.reveal() == VALUE
    assert env_value("STREAM_API_KEY") == "key1"  # the webhook's API key comes the same way
    assert find_dotenv() == tmp_path / "project" / ".env"


def test_an_explicit_dotenv_path_is_used_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_project(tmp_path, f"STREAM_API_SECRET={VALUE}-root\n"))
    own = tmp_path / "own.env"
    own.write_text(f"STREAM_API_SECRET={VALUE}\n")
    assert from_env(dotenv=own, environ={})[0].reveal() == VALUE
    assert from_env(dotenv=None, environ={"STREAM_API_SECRET": "x"})[0].reveal() == "x"


def test_missing_secret_names_the_folders_searched_and_the_notebook_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _project(tmp_path, "OTHER=1\n")
    (folder.parent / ".env").unlink()
    monkeypatch.chdir(folder)
    with pytest.raises(SecretError) as caught:
        from_env(environ={})
    message = str(caught.value)
    assert f"no .env file is in {folder} or any folder above it" in message
    assert "re-run the cell" in message
    assert "os.environ['STREAM_API_SECRET']" in message
    assert "export" not in message  # an export does not reach a running kernel
    (folder.parent / ".env").write_text("OTHER=1\n")
    with pytest.raises(SecretError, match=f"or in {folder.parent / '.env'}"):
        from_env(environ={})


def test_secret_error_shows_as_one_message_in_ipython(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STREAM_API_SECRET", raising=False)
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from streamhook_nb.verify.secrets import keyring\nkeyring(dotenv=None)")
    finally:
        InteractiveShell.clear_instance()
    shown = capsys.readouterr()
    text = shown.out + shown.err
    assert "STREAM_API_SECRET is not set in the environment" in text
    assert "Traceback" not in text
    assert "File " not in text


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from or during."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is not None and all(item is not s for s in seen):
            seen.append(item)
            todo += [item.__cause__, item.__context__]
    return seen


def test_a_broken_secrets_file_leaves_no_copy_in_the_exception_chain(tmp_path: Path) -> None:
    """A JSON error keeps the whole document (``doc``); a traceback tool or a debugger that
    walks the chain must not find the secrets there."""
    broken = tmp_path / "secrets.json"
    broken.write_text('{"prod": "a-secret-in-a-broken-file",\n')
    with pytest.raises(SecretError) as caught:
        from_file(broken)
    for item in _chain(caught.value):
        assert "a-secret-in-a-broken-file" not in repr(vars(item)) + str(item)


@pytest.mark.parametrize(
    ("text", "environ", "says"),
    [
        (b"STREAM_API_SECRET=\n", {}, "STREAM_API_SECRET is empty in "),
        (b"", {"STREAM_API_SECRET": ""}, "STREAM_API_SECRET is set but empty in the environment"),
        (
            b'A=1\nexport STREAM_API_SECRET="a-secret-without-its-closing-quote\n',
            {},
            "line 2 of {env} sets STREAM_API_SECRET but cannot be read",
        ),
        (
            "STREAM_API_SECRET=a-secret\n".encode("utf-16"),
            {},
            "the .env file is UTF-16 text (as Windows PowerShell's > writes it)",
        ),
    ],
)
def test_a_secret_that_is_there_but_unusable_says_why(
    tmp_path: Path, text: bytes, environ: dict[str, str], says: str
) -> None:
    env = tmp_path / ".env"
    env.write_bytes(text)
    with pytest.raises(SecretError) as caught:
        from_env(dotenv=env, environ=environ)
    message = str(caught.value)
    assert says.format(env=env) in message
    assert "not set" not in message
    assert "a-secret" not in message
