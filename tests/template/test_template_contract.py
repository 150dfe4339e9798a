"""The names other parts read from template.yaml (docs/ARCHITECTURE.md) and the wiring between resources."""

import json
import re

import pytest
from precis_summarizer.engine import DEFAULT_MAP_BATCH, MAX_MAP_BATCH

CONTRACT_RESOURCES = {
    "InputBucket": "AWS::S3::Bucket",
    "OutputBucket": "AWS::S3::Bucket",
    "SuccessTopic": "AWS::SNS::Topic",
    "ErrorTopic": "AWS::SNS::Topic",
    "SummariesTable": "AWS::DynamoDB::Table",
    "SharedLayer": "AWS::Serverless::LayerVersion",
    "SubmitFunction": "AWS::Serverless::Function",
    "RecordFunction": "AWS::Serverless::Function",
    "ReconcileFunction": "AWS::Serverless::Function",
    "SubmitDeadLetterQueue": "AWS::SQS::Queue",
    "RecordDeadLetterQueue": "AWS::SQS::Queue",
    "ReconcileDeadLetterQueue": "AWS::SQS::Queue",
    "SummarizerModel": "AWS::SageMaker::Model",
    "SummarizerEndpointConfig": "AWS::SageMaker::EndpointConfig",
    "SummarizerEndpoint": "AWS::SageMaker::Endpoint",
    "SummarizerScalableTarget": "AWS::ApplicationAutoScaling::ScalableTarget",
    "BacklogTargetTrackingPolicy": "AWS::ApplicationAutoScaling::ScalingPolicy",
    "WakeFromZeroStepPolicy": "AWS::ApplicationAutoScaling::ScalingPolicy",
    "HasBacklogWithoutCapacityAlarm": "AWS::CloudWatch::Alarm",
    "AnalyticsFunction": "AWS::Serverless::Function",
    "AnalyticsDeadLetterQueue": "AWS::SQS::Queue",
    "AnalyticsDatabase": "AWS::Glue::Database",
    "SummariesAnalyticsTable": "AWS::Glue::Table",
    "AnalyticsWorkGroup": "AWS::Athena::WorkGroup",
    "AthenaResultsBucket": "AWS::S3::Bucket",
}
CONTRACT_OUTPUTS = {
    "InputBucketName",
    "OutputBucketName",
    "SummariesTableName",
    "SuccessTopicArn",
    "ErrorTopicArn",
    "EndpointName",
    "SubmitFunctionName",
    "RecordFunctionName",
    "ReconcileFunctionName",
    "DashboardName",
    "SubmitDeadLetterQueueUrl",
    "RecordDeadLetterQueueUrl",
    "AnalyticsFunctionName",
    "AnalyticsLocation",
    "AnalyticsDatabaseName",
    "AthenaWorkGroupName",
    "AthenaResultsBucketName",
    "AnalyticsDeadLetterQueueUrl",
}
FUNCTIONS = {
    "SubmitFunction": ("functions/submit", "SubmitDeadLetterQueue"),
    "RecordFunction": ("functions/record", "RecordDeadLetterQueue"),
    "ReconcileFunction": ("functions/reconcile", "ReconcileDeadLetterQueue"),
}


def test_every_contract_resource_exists_with_its_type(resources):
    # Given the logical ids the local stack, the CLI and the simulator read
    # Then each is declared, with the type they expect
    assert {name: resources.get(name, {}).get("Type") for name in CONTRACT_RESOURCES} == CONTRACT_RESOURCES


def test_outputs_are_the_contract_names(template):
    assert set(template["Outputs"]) == CONTRACT_OUTPUTS


def test_functions_share_runtime_handler_layer_and_powertools_settings(template):
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.12"
    assert function_globals["Handler"] == "app.lambda_handler"
    assert function_globals["Layers"] == [{"Ref": "SharedLayer"}]
    assert set(function_globals["Environment"]["Variables"]) == {
        "SUMMARIES_TABLE",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
        "PRECIS_TRACING",
    }
    assert function_globals["Environment"]["Variables"]["SUMMARIES_TABLE"] == {"Ref": "SummariesTable"}


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_each_function_code_lives_in_its_directory(properties, logical_id):
    code_dir, _ = FUNCTIONS[logical_id]
    assert properties(logical_id)["CodeUri"] == code_dir


def test_shared_layer_is_built_from_layers_core_for_the_runtime(resources):
    layer = resources["SharedLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/core"
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]


def test_submit_environment_carries_the_endpoint_and_request_limits(properties, default):
    variables = properties("SubmitFunction")["Environment"]["Variables"]
    assert variables["ENDPOINT_NAME"] == {"Fn::GetAtt": ["SummarizerEndpoint", "EndpointName"]}
    assert variables["INPUT_PREFIX"] == "incoming/"
    assert default(variables["MAX_INPUT_BYTES"]) <= 1024**3
    assert 60 <= default(variables["REQUEST_TTL_SECONDS"]) <= 21600
    assert 1 <= default(variables["INVOCATION_TIMEOUT_SECONDS"]) <= 3600


def test_reconcile_environment_matches_what_reconcile_settings_read(properties):
    variables = properties("ReconcileFunction")["Environment"]["Variables"]
    read = {
        "ENDPOINT_NAME", "ASYNC_OUTPUT_PATH", "ASYNC_FAILURE_PATH", "REQUEST_TTL_SECONDS",
        "INVOCATION_TIMEOUT_SECONDS", "RECONCILE_OLDER_THAN_SECONDS",
    }  # fmt: skip
    assert read <= set(variables)
    assert variables["ENDPOINT_NAME"] == {"Fn::GetAtt": ["SummarizerEndpoint", "EndpointName"]}


@pytest.mark.parametrize("function", ["RecordFunction", "ReconcileFunction"])
def test_results_are_trusted_only_under_the_endpoint_configs_paths(properties, function):
    variables = properties(function)["Environment"]["Variables"]
    output = properties("SummarizerEndpointConfig")["AsyncInferenceConfig"]["OutputConfig"]
    assert variables["ASYNC_OUTPUT_PATH"] == output["S3OutputPath"]
    assert variables["ASYNC_FAILURE_PATH"] == output["S3FailurePath"]


def test_uploads_under_incoming_trigger_submit(properties):
    events = properties("SubmitFunction")["Events"]
    (upload,) = events.values()
    assert upload["Type"] == "S3"
    assert upload["Properties"]["Bucket"] == {"Ref": "InputBucket"}
    assert upload["Properties"]["Events"] == "s3:ObjectCreated:*"
    assert upload["Properties"]["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "incoming/"}]


def test_record_subscribes_to_both_topics(properties):
    events = properties("RecordFunction")["Events"].values()
    assert {event["Type"] for event in events} == {"SNS"}
    assert sorted(event["Properties"]["Topic"]["Ref"] for event in events) == ["ErrorTopic", "SuccessTopic"]


def test_reconcile_runs_on_the_schedule_parameter(properties, default):
    (tick,) = properties("ReconcileFunction")["Events"].values()
    assert tick["Type"] == "Schedule"
    assert re.fullmatch(r"rate\(\d+ minutes?\)", default(tick["Properties"]["Schedule"]))


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_failed_async_invocations_land_in_the_function_queue_after_two_retries(properties, logical_id):
    _, queue = FUNCTIONS[logical_id]
    invoke_config = properties(logical_id)["EventInvokeConfig"]
    assert invoke_config["MaximumRetryAttempts"] == 2
    assert invoke_config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": [queue, "Arn"]},
    }


def test_summaries_table_keys_and_indexes_match_the_record_contract(properties):
    table = properties("SummariesTable")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "document_id", "KeyType": "HASH"}]
    indexes = {
        index["IndexName"]: ([key["AttributeName"] for key in index["KeySchema"]], index["Projection"])
        for index in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "by-status": (["status", "submitted_at"], {"ProjectionType": "ALL"}),
        "by-collection": (["collection", "submitted_at"], {"ProjectionType": "ALL"}),
        "by-published": (["collection", "published"], {"ProjectionType": "ALL"}),
    }
    # The analytics copy reads the changes, old and new, to copy a record when it becomes COMPLETED.
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_hf_model_id_appears_nowhere(template_text):
    # HF_MODEL_ID makes the DLC load the Hub model itself and never run code/inference.py
    assert "HF_MODEL_ID" not in template_text


def test_model_container_gets_our_model_id_and_a_pinned_revision(properties, default):
    container = properties("SummarizerModel")["PrimaryContainer"]
    environment = container["Environment"]
    assert default(environment["PRECIS_MODEL_ID"]) == "google/pegasus-cnn_dailymail"
    assert re.fullmatch(r"[0-9a-f]{40}", default(environment["PRECIS_MODEL_REVISION"]))
    assert container["ModelDataUrl"] == {"Ref": "ModelDataUrl"}


def test_model_container_gets_the_map_batch_size_the_model_code_accepts(template, properties, default):
    environment = properties("SummarizerModel")["PrimaryContainer"]["Environment"]
    assert environment["PRECIS_MAP_BATCH_SIZE"] == {"Ref": "MapBatchSize"}
    assert default(environment["PRECIS_MAP_BATCH_SIZE"]) == DEFAULT_MAP_BATCH
    declared = template["Parameters"]["MapBatchSize"]
    assert (declared["MinValue"], declared["MaxValue"]) == (1, MAX_MAP_BATCH)


def test_model_archive_is_a_required_parameter(template):
    # No default: deploying without our archive would serve the DLC's default handler
    assert "Default" not in template["Parameters"]["ModelDataUrl"]


def test_async_results_go_to_the_output_bucket_prefixes_and_both_topics(properties, default):
    config = properties("SummarizerEndpointConfig")
    (variant,) = config["ProductionVariants"]
    assert variant["VariantName"] == "AllTraffic"
    output = config["AsyncInferenceConfig"]["OutputConfig"]
    assert output["S3OutputPath"] == {"Fn::Sub": "s3://${OutputBucket}/async-output/"}
    assert output["S3FailurePath"] == {"Fn::Sub": "s3://${OutputBucket}/async-failures/"}
    assert output["NotificationConfig"] == {
        "SuccessTopic": {"Ref": "SuccessTopic"},
        "ErrorTopic": {"Ref": "ErrorTopic"},
    }
    client = config["AsyncInferenceConfig"]["ClientConfig"]
    assert default(client["MaxConcurrentInvocationsPerInstance"]) == 2


def test_every_parameter_has_a_description(template):
    assert [name for name, spec in template["Parameters"].items() if not spec.get("Description")] == []


def test_dashboard_body_is_json_with_the_operational_views(properties):
    # Given the dashboard body with its ${...} substitutions filled in
    body, variables = properties("Dashboard")["DashboardBody"]["Fn::Sub"]
    assert set(variables) == {"Endpoint", "Target"}
    rendered = re.sub(r"\$\{[^}]+\}", "x", body)
    # Then it parses, and shows what operators watch
    widgets = json.loads(rendered)["widgets"]
    metrics = {row[1] for widget in widgets for row in widget["properties"]["metrics"] if len(row) > 1}
    assert {
        "ApproximateBacklogSize",
        "ApproximateBacklogSizePerInstance",
        "HasBacklogWithoutCapacity",
        "CPUUtilization",
        "TotalProcessingTime",
        "InvocationFailures",
        "Errors",
        "ApproximateNumberOfMessagesVisible",
    } <= metrics
