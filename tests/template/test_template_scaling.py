"""Autoscaling of the async endpoint: 0..5 instances, backlog target tracking, and a wake-from-zero step."""

ENDPOINT_NAME = {"Fn::GetAtt": ["SummarizerEndpoint", "EndpointName"]}


def test_scalable_target_is_the_variant_instance_count_from_zero_to_five(properties, default):
    target = properties("SummarizerScalableTarget")
    assert target["ServiceNamespace"] == "sagemaker"
    resource_id = "endpoint/${SummarizerEndpoint.EndpointName}/variant/AllTraffic"
    assert target["ResourceId"] == {"Fn::Sub": resource_id}
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (default(target["MinCapacity"]), default(target["MaxCapacity"])) == (0, 5)


def test_target_tracking_keeps_five_queued_requests_per_instance(properties, default):
    policy = properties("BacklogTargetTrackingPolicy")
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["ScalingTargetId"] == {"Ref": "SummarizerScalableTarget"}
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert default(config["TargetValue"]) == 5
    assert (default(config["ScaleInCooldown"]), default(config["ScaleOutCooldown"])) == (120, 120)
    assert config["CustomizedMetricSpecification"] == {
        "MetricName": "ApproximateBacklogSizePerInstance",
        "Namespace": "AWS/SageMaker",
        "Dimensions": [{"Name": "EndpointName", "Value": ENDPOINT_NAME}],
        "Statistic": "Average",
    }


def test_step_policy_adds_exactly_one_instance(properties):
    policy = properties("WakeFromZeroStepPolicy")
    assert policy["PolicyType"] == "StepScaling"
    assert policy["ScalingTargetId"] == {"Ref": "SummarizerScalableTarget"}
    config = policy["StepScalingPolicyConfiguration"]
    assert config["AdjustmentType"] == "ChangeInCapacity"
    assert config["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]


def test_one_queued_request_without_capacity_fires_the_step_policy(properties):
    # Given an idle endpoint at zero instances, one request sets HasBacklogWithoutCapacity to 1
    alarm = properties("HasBacklogWithoutCapacityAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SageMaker", "HasBacklogWithoutCapacity")
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": ENDPOINT_NAME}]
    # Then two one-minute datapoints at >= 1 raise the alarm
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (60, 2, 2)
    assert alarm["TreatMissingData"] == "notBreaching"
    # And the alarm's action is the +1 step policy
    assert alarm["AlarmActions"] == [{"Ref": "WakeFromZeroStepPolicy"}]


def test_the_endpoint_starts_with_one_instance_of_the_parameter_type(properties, default):
    (variant,) = properties("SummarizerEndpointConfig")["ProductionVariants"]
    assert variant["InitialInstanceCount"] == 1
    assert default(variant["InstanceType"]).startswith("ml.")
