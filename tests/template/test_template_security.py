"""Security properties users rely on: private encrypted buckets, TLS only, least-privilege policies."""

import pytest

BUCKETS = {"InputBucket": "InputBucketPolicy", "OutputBucket": "OutputBucketPolicy"}

# Statements that must name "*": AWS offers no resource-level permission for these actions, and a key
# policy always names its own key as "*".
RESOURCE_STAR_ALLOWED = {
    ("TopicKey", "AccountAdministers"),
    ("SummarizerExecutionRole", "ContainerMetrics"),
    ("SummarizerExecutionRole", "RegistryLogin"),
}


def _as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_blocks_public_access_and_encrypts(properties, bucket):
    props = properties(bucket)
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


@pytest.mark.parametrize(("bucket", "policy"), BUCKETS.items())
def test_bucket_policy_denies_every_request_without_tls(properties, bucket, policy):
    props = properties(policy)
    assert props["Bucket"] == {"Ref": bucket}
    (statement,) = props["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}"},
        {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}/*"},
    ]


def test_input_bucket_is_versioned(properties):
    assert properties("InputBucket")["VersioningConfiguration"] == {"Status": "Enabled"}


def test_async_outputs_and_failures_expire(properties, default):
    rules = properties("OutputBucket")["LifecycleConfiguration"]["Rules"]
    expiring = {rule.get("Prefix"): default(rule.get("ExpirationInDays")) for rule in rules}
    assert expiring["async-output/"] >= 1
    assert expiring["async-failures/"] >= 1


@pytest.mark.parametrize(("bucket", "kind"), [("InputBucket", "input"), ("OutputBucket", "output")])
def test_bucket_names_are_built_from_the_stack_so_policies_need_no_ref(properties, bucket, kind):
    # A Ref to a bucket with an S3 event from a function policy is SAM's circular dependency
    assert properties(bucket)["BucketName"] == {
        "Fn::Sub": f"${{AWS::StackName}}-{kind}-${{AWS::AccountId}}-${{AWS::Region}}",
    }


def test_function_policies_never_reference_the_buckets_directly(resources):
    for logical_id in ("SubmitFunction", "RecordFunction", "ReconcileFunction"):
        policies = str(resources[logical_id]["Properties"]["Policies"])
        assert "InputBucket" not in policies and "OutputBucket" not in policies, logical_id


@pytest.mark.parametrize("topic", ["SuccessTopic", "ErrorTopic"])
def test_topics_are_encrypted_with_the_rotated_topic_key(properties, topic):
    assert properties(topic)["KmsMasterKeyId"] == {"Ref": "TopicKey"}
    assert properties("TopicKey")["EnableKeyRotation"] is True


def test_the_endpoint_role_may_encrypt_notifications_with_the_topic_key(statements):
    # Granted in the role's own policy: the key policy delegates to IAM and names no role of the stack
    (publish,) = [s for _, s in statements if s.get("Sid") == "EncryptNotifications"]
    assert publish["Resource"] == {"Fn::GetAtt": ["TopicKey", "Arn"]}
    assert set(publish["Action"]) == {"kms:GenerateDataKey", "kms:Decrypt"}


def test_execution_role_grants_exactly_what_the_endpoint_needs(properties):
    role = properties("SummarizerExecutionRole")
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"},
    ]
    (policy,) = role["Policies"]
    granted = {}
    for statement in policy["PolicyDocument"]["Statement"]:
        if set(statement) == {"Fn::If"}:
            statement = statement["Fn::If"][1]
        granted[statement["Sid"]] = sorted(_as_list(statement["Action"]))
    assert granted == {
        "ReadModelArchive": ["s3:GetObject"],
        "ReadUploads": ["s3:GetObject"],
        "WriteResults": ["s3:AbortMultipartUpload", "s3:PutObject"],
        "Notify": ["sns:Publish"],
        "EncryptNotifications": ["kms:Decrypt", "kms:GenerateDataKey"],
        "EncryptResults": ["kms:Encrypt", "kms:GenerateDataKey"],
        "ContainerLogs": [
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        ],
        "ContainerMetrics": ["cloudwatch:PutMetricData"],
        "RegistryLogin": ["ecr:GetAuthorizationToken"],
        "PullInferenceImage": [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ],
    }


def test_execution_role_writes_only_under_the_async_prefixes(properties):
    (policy,) = properties("SummarizerExecutionRole")["Policies"]
    (write,) = [s for s in policy["PolicyDocument"]["Statement"] if s.get("Sid") == "WriteResults"]
    resources = [r["Fn::Sub"] for r in write["Resource"]]
    assert [r.rsplit("/", 2)[-2:] for r in resources] == [["async-output", "*"], ["async-failures", "*"]]


def test_resource_star_only_where_aws_requires_it(statements):
    star = {
        (logical_id, s.get("Sid"))
        for logical_id, s in statements
        if s["Effect"] == "Allow" and "*" in _as_list(s.get("Resource"))
    }
    assert star == RESOURCE_STAR_ALLOWED


def test_metrics_permission_is_scoped_to_the_endpoint_namespaces(statements):
    (metrics,) = [s for _, s in statements if s.get("Sid") == "ContainerMetrics"]
    namespaces = metrics["Condition"]["StringLike"]["cloudwatch:namespace"]
    assert namespaces == ["/aws/sagemaker/Endpoints", "/aws/sagemaker/Endpoints/*"]


def test_no_wildcard_actions_outside_the_key_administration(statements):
    wildcards = {
        (logical_id, s.get("Sid"))
        for logical_id, s in statements
        if s["Effect"] == "Allow" and any(a.endswith("*") for a in _as_list(s["Action"]))
    }
    assert wildcards == {("TopicKey", "AccountAdministers")}


@pytest.mark.parametrize("function", ["SubmitFunction", "ReconcileFunction"])
def test_submit_and_reconcile_may_invoke_only_the_summarizer_endpoint(statements, function):
    (invoke,) = [
        s for logical_id, s in statements if logical_id == function and s.get("Sid") == "InvokeSummarizer"
    ]
    assert invoke["Action"] == "sagemaker:InvokeEndpointAsync"
    assert invoke["Resource"] == {"Ref": "SummarizerEndpoint"}


def test_summaries_table_has_point_in_time_recovery_and_encryption(properties):
    table = properties("SummariesTable")
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True


@pytest.mark.parametrize(
    "queue", ["SubmitDeadLetterQueue", "RecordDeadLetterQueue", "ReconcileDeadLetterQueue"]
)
def test_dead_letter_queues_are_encrypted(properties, queue):
    assert properties(queue)["SqsManagedSseEnabled"] is True


def test_every_checkov_skip_says_why(resources):
    skips = [
        (logical_id, skip)
        for logical_id, resource in resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips, "the template documents its checkov skips in Metadata"
    unexplained = [
        (logical_id, skip["id"]) for logical_id, skip in skips if len(skip.get("comment", "")) < 30
    ]
    assert unexplained == []


def test_submit_may_list_uploads_so_a_deleted_one_reads_as_missing_not_forbidden(statements):
    # Given S3 answers a read of a missing key with 404 only to a caller that may list the bucket
    (listing,) = [
        s
        for logical_id, s in statements
        if logical_id == "SubmitFunction" and s["Sid"] == "TellDeletedUploads"
    ]
    # Then SubmitFunction may list (and list versions of) the input bucket, under incoming/ only
    assert sorted(listing["Action"]) == ["s3:ListBucket", "s3:ListBucketVersions"]
    assert listing["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-input-${AWS::AccountId}-${AWS::Region}",
    }
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["incoming/*"]}}
