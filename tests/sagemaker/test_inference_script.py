"""How the local endpoint hands a body to the script: as the Hugging Face toolkit's handler service does."""

from __future__ import annotations

import pytest

from precis.local.sagemaker import InferenceScript
from precis.paths import model_code_dir, project_root


@pytest.fixture(scope="module")
def loaded():
    return InferenceScript(model_code_dir() / "inference.py", project_root() / "model").load()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"text": "Rain fell on the hills all day."}', "application/json"),  # decoded as UTF-8 first
        ('{"text": "Rain fell on the hills all day."}'.encode("utf-16"), "application/json; charset=utf-16"),
    ],
)
def test_only_a_bare_json_content_type_is_decoded_as_utf8_before_the_script(loaded, body, content_type):
    # The toolkit compares the whole Content-Type with its UTF-8 types, so a charset keeps the body bytes
    output, accept = loaded.invoke(body, content_type, None)

    assert accept == "application/json"
    assert b"Rain fell on the hills all day." in output
