"""moto's server as the local stack runs it (`python -m precis.local.moto_server`), over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from precis.local.ports import free_port_pair

REGION = "us-east-1"


@dataclass(frozen=True)
class MotoServer:
    url: str
    log: Path

    def client(self, service: str, **config):
        """A boto3 client on the server: signed with SigV4 (test keys), as every AWS client signs."""
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(max_pool_connections=32, retries={"mode": "standard"}, **config),
        )


@pytest.fixture(scope="module")
def start_moto(tmp_path_factory) -> Iterator[Callable[..., MotoServer]]:
    """`start_moto(*flags)`: a server on a free port, its log in a file; all stopped after the module."""
    servers: list[subprocess.Popen] = []

    def start(*flags: str) -> MotoServer:
        port = free_port_pair()
        log = tmp_path_factory.mktemp("moto") / "moto.log"
        command = [sys.executable, "-m", "precis.local.moto_server", "-H", "127.0.0.1", "-p", str(port)]
        command += flags
        with log.open("wb") as output:
            servers.append(subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert servers[-1].poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        return MotoServer(f"http://127.0.0.1:{port}", log)

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def moto(start_moto) -> MotoServer:
    """The server as the stack starts it."""
    return start_moto()


MotoServerProcess = Callable[..., AbstractContextManager[tuple[str, subprocess.Popen]]]


@contextmanager
def _moto_server(log: Path, *options: str, port: int = 0) -> Iterator[tuple[str, subprocess.Popen]]:
    """The server on `port` (a free one by default) with `options`, its output appended to `log`, until it
    listens; its URL and process. Stopped afterwards if still running."""
    port = port or free_port_pair()
    with log.open("ab") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "precis.local.moto_server", "-H", "127.0.0.1", "-p", str(port), *options],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_server_process() -> MotoServerProcess:
    """`with moto_server_process(log, *options) as (url, process):` moto's server while the block runs."""
    return _moto_server


def _create_streamed_table(dynamodb, name: str, key: str = "id") -> str:
    """A table keyed by the string attribute `key`, with a stream of new and old images, as the summaries
    table has; its stream's ARN."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


@pytest.fixture
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in process for every AWS call, with placeholder credentials."""
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def streamed_table() -> Callable[..., str]:
    """`streamed_table(dynamodb client, name, key="id")`: creates the table; its stream's ARN."""
    return _create_streamed_table
