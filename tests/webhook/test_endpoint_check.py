"""The endpoint check against local servers built to fail each of Stream's requirements."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from streamhook_nb.capture.demo_endpoint import DemoEndpoint
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.webhook.endpoint_check import FAIL, PASS, WARN, Requirement, check_endpoint

SECRET = Secret(DEMO_SECRET, "S")


def public(_: str, __: int) -> list[str]:
    return ["93.184.215.14"]  # a public address, so only the server's own behaviour matters


def statuses(results: list[Requirement]) -> dict[str, str]:
    return {r.name: r.status for r in results}


def run(endpoint: DemoEndpoint, **options: object) -> dict[str, str]:
    with endpoint:
        return statuses(check_endpoint(endpoint.url, SECRET, "key", resolver=public, **options))  # type: ignore[arg-type]


def test_a_good_endpoint_passes_everything_but_https() -> None:
    assert run(DemoEndpoint(SECRET)) == {
        "valid URL": PASS,
        "HTTPS": WARN,
        "public address": PASS,
        "answers a signed POST with 2xx in time": PASS,
        "HTTP/1.1 with keep-alive": PASS,
        "rejects a badly signed request": PASS,
    }


def test_slow_endpoint_fails_the_deadline() -> None:
    result = run(DemoEndpoint(SECRET, delay_seconds=3.2))
    assert result["answers a signed POST with 2xx in time"] == FAIL


def test_server_error_fails() -> None:
    with DemoEndpoint(SECRET, status=500) as endpoint:
        results = check_endpoint(endpoint.url, SECRET, "key", resolver=public)
    answer = next(r for r in results if r.name.startswith("answers"))
    assert answer.status == FAIL
    assert "HTTP 500" in answer.message


def test_no_keep_alive_is_a_warning() -> None:
    assert run(DemoEndpoint(SECRET, close_connections=True))["HTTP/1.1 with keep-alive"] == WARN


def test_accepting_bad_signatures_is_a_warning() -> None:
    assert (
        run(DemoEndpoint(SECRET, accept_bad_signatures=True))["rejects a badly signed request"]
        == WARN
    )


def test_loopback_and_private_addresses_are_warned_about() -> None:
    with DemoEndpoint(SECRET) as endpoint:
        results = check_endpoint(endpoint.url, SECRET, "key")
    address = next(r for r in results if r.name == "public address")
    assert address.status == WARN
    assert "127.0.0.1" in address.message
    private = check_endpoint(
        "https://internal.example/h", SECRET, "k", resolver=lambda *_: ["10.1.2.3"]
    )
    assert statuses(private)["public address"] == WARN


def test_unresolvable_and_unreachable_are_failures_not_crashes() -> None:
    def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    assert (
        statuses(check_endpoint("https://nowhere.invalid/h", SECRET, "k", resolver=nowhere))[
            "public address"
        ]
        == FAIL
    )
    unreachable = check_endpoint("http://127.0.0.1:9/h", SECRET, "k", resolver=public)
    assert unreachable[-1].status == FAIL
    assert unreachable[-1].message == (
        "No answer: connection refused: nothing listens at that address. Start the receiver "
        "there, or correct the host or port in the URL."
    )


def test_invalid_url_fails_at_once() -> None:
    results = check_endpoint("not a url", SECRET, "k")
    assert [(r.name, r.status) for r in results] == [("valid URL", FAIL)]


def test_without_a_secret_the_post_is_only_a_warning() -> None:
    with DemoEndpoint(SECRET) as endpoint:
        results = statuses(check_endpoint(endpoint.url, None, "key", resolver=public))
    assert results["answers a signed POST with 2xx in time"] == WARN


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    openssl = shutil.which("openssl")
    assert openssl, "the TLS test needs the openssl command (Debian: apt-get install openssl)"
    folder: Path = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def test_https_with_an_invalid_certificate_fails(self_signed: ssl.SSLContext) -> None:
    endpoint = DemoEndpoint(SECRET)
    url = endpoint.start(ssl_context=self_signed)
    try:
        results = statuses(check_endpoint(url, SECRET, "key", resolver=public))
    finally:
        endpoint.stop()
    assert results["HTTPS"] == PASS
    assert results["TLS certificate"] == FAIL


def test_without_a_secret_a_server_error_or_a_slow_answer_still_fails() -> None:
    """Only a 4xx can be the endpoint refusing the missing signature; a 5xx or an answer after
    Stream's 3 s fails whether the request was signed or not."""
    for endpoint in (DemoEndpoint(SECRET, status=503), DemoEndpoint(SECRET, delay_seconds=3.2)):
        with endpoint:
            results = statuses(check_endpoint(endpoint.url, None, "key", resolver=public))
        assert results["answers a signed POST with 2xx in time"] == FAIL


def test_a_server_error_to_a_forged_signature_is_not_a_refusal() -> None:
    with DemoEndpoint(SECRET, status=500) as endpoint:
        results = check_endpoint(endpoint.url, SECRET, "key", resolver=public)
    forged = next(r for r in results if r.name == "rejects a badly signed request")
    assert forged.status == WARN
    assert "a server error rather than a refusal" in forged.message
