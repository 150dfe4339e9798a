"""What AWS does with the template after `sam deploy` that no local stack shows (issue 12).

Each test names the AWS behaviour it guards against; the template comments cite where it is documented.
"""

from __future__ import annotations

from precis.template import load_stack

MMS_INT_MAX = 2**31 - 1
"""The model server parses max_request_size with Integer.parseInt."""


def test_the_model_server_accepts_every_article_the_submit_function_lets_through(template):
    # Given a stack deployed with a size cap above the model server's 6,553,500-byte default
    stack = load_stack(parameter_overrides={"MaxInputBytes": "9000000"})
    # Then SubmitFunction's cap and the container's request limit are the same number of bytes
    submit = stack.resources["SubmitFunction"].properties["Environment"]["Variables"]
    container = stack.resources["SummarizerModel"].properties["PrimaryContainer"]["Environment"]
    assert submit["MAX_INPUT_BYTES"] == container["MMS_MAX_REQUEST_SIZE"] == "9000000"
    # And every value the parameter allows is one the model server can parse
    assert template["Parameters"]["MaxInputBytes"]["MaxValue"] <= MMS_INT_MAX
