"""Only AWS clients reach the local stack (precis.local.gatekeeper): what a web page can send to 127.0.0.1
(a form POST, a text/plain fetch, a preflight, a rebound host name) is refused, while boto3, presigned
URLs and the AWS CLI work as before. Through moto's server as the stack runs it, over real HTTP."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

REGION = "us-east-1"  # what the AWS CLI is told
PAGE = "https://innocent-looking.example"


def send(server, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    """One raw HTTP request, as a browser or a script sends it: (status, headers, body)."""
    connection = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    answer = (response.status, dict(response.getheaders()), response.read())
    connection.close()
    return answer


def test_a_web_page_cannot_reset_moto(moto) -> None:
    # Given a bucket, and moto's reset API posted as a page's fetch() sends it (text/plain, its Origin)
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="survives-reset")

    status, _, body = send(
        moto, "POST", "/moto-api/reset", b"{}", {"Content-Type": "text/plain", "Origin": PAGE}
    )

    # Then it is refused in AWS's shape, and the bucket is still there
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    assert "survives-reset" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_moto_api_is_off_unless_asked_for(moto, start_moto) -> None:
    # Given moto's server as the stack starts it, and one started with --moto-api
    status, _, body = send(moto, "POST", "/moto-api/reset")
    assert status == 403 and b"--moto-api" in body
    asked = start_moto("--moto-api")
    asked.client("s3").create_bucket(Bucket="to-reset")
    # Then only the latter resets, for a script, and still never for a page
    assert send(asked, "POST", "/moto-api/reset", b"", {"Origin": PAGE})[0] == 403
    assert send(asked, "POST", "/moto-api/reset")[0] == 200
    assert asked.client("s3").list_buckets()["Buckets"] == []


def test_an_unsigned_form_post_cannot_upload(moto) -> None:
    # Given the input bucket, and a browser-style form POST upload (S3's POST Object, no signature)
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="form-target")
    boundary = "----page"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nincoming/planted.txt\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nplanted by a web page\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    # When it is posted with and without the Origin a browser adds, and with a faked presign query
    answers = [
        send(moto, "POST", "/form-target", form, {**headers, "Origin": PAGE})[0],
        send(moto, "POST", "/form-target", form, headers)[0],
        send(
            moto, "POST", "/form-target?X-Amz-Algorithm=AWS4-HMAC-SHA256", form, {**headers, "Origin": PAGE}
        )[0],
    ]

    # Then every one is refused and nothing was uploaded
    assert answers == [403, 403, 403]
    assert s3.list_objects_v2(Bucket="form-target").get("KeyCount") == 0


def test_no_cors_preflight_is_answered(moto) -> None:
    status, headers, _ = send(
        moto,
        "OPTIONS",
        "/form-target/incoming/x.txt",
        headers={"Origin": PAGE, "Access-Control-Request-Method": "PUT"},
    )

    assert status == 403
    assert not any(name.lower().startswith("access-control-") for name in headers)


def test_a_rebound_host_name_is_refused_even_when_signed(moto) -> None:
    # Given a request signed as boto3 signs it, sent with the Host of a name rebound to 127.0.0.1
    port = urlsplit(moto.url).port
    signature = (
        "AWS4-HMAC-SHA256 Credential=any/20261206/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
    )

    status, _, body = send(
        moto, "GET", "/", headers={"Host": f"rebound.example:{port}", "Authorization": signature}
    )
    own = send(moto, "GET", "/", headers={"Host": f"localhost:{port}", "Authorization": signature})[0]

    assert status == 403 and b"rebound.example" in body
    assert own == 200


def test_aws_clients_still_work(moto, tmp_path: Path) -> None:
    # Given boto3 with any key, a SigV4 presigned URL, and the AWS CLI
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="clients")
    s3.put_object(Bucket="clients", Key="by-boto3.txt", Body=b"boto3")
    presigned = moto.client("s3", signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": "clients", "Key": "by-boto3.txt"}
    )
    sigv2 = s3.generate_presigned_url("get_object", Params={"Bucket": "clients", "Key": "by-boto3.txt"})
    cli = Path(sys.executable).with_name("aws")
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "any",
        "AWS_SECRET_ACCESS_KEY": "key",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
    }
    article = tmp_path / "article.txt"
    article.write_text("uploaded by the AWS CLI")

    # When each reads or writes
    copied = subprocess.run(
        [str(cli), "--endpoint-url", moto.url, "s3", "cp", str(article), "s3://clients/by-cli.txt"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Then all of them are answered, but a Signature Version 2 URL is not (S3 refuses it on new buckets)
    assert copied.returncode == 0, copied.stderr
    assert s3.get_object(Bucket="clients", Key="by-cli.txt")["Body"].read() == b"uploaded by the AWS CLI"
    assert send(moto, "GET", presigned[len(moto.url) :])[::2] == (200, b"boto3")
    assert send(moto, "GET", sigv2[len(moto.url) :])[0] == 403
    assert moto.client("sqs").list_queues().get("QueueUrls", []) == []
    assert moto.client("dynamodb").list_tables()["TableNames"] == []
