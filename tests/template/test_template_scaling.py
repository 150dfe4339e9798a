"""Autoscaling of the async endpoint: 0..5 instances, backlog target tracking, and a wake-from-zero step."""

ENDPOINT_NAME = {"Fn::GetAtt": ["SummarizerEndpoint", "EndpointName"]}


def test_scalable_target_is_the_variant_instance_count_from_zero_to_five(properties, default):
    target = properties("SummarizerScalableTarget")
    assert target["ServiceNamespace"] == "sagemaker"
    resource_id = "endpoint/${SummarizerEndpoint.EndpointName}/variant/AllTraffic"
    assert target["ResourceId"] == {"Fn::Sub": resource_id}
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (default(target["MinCapacity"]), default(target["MaxCapacity"])) == (0, 5)


def test_target_tracking_keeps_eight_queued_requests_per_instance(properties, default):
    policy = properties("BacklogTargetTrackingPolicy")
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["ScalingTargetId"] == {"Ref": "SummarizerScalableTarget"}
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert default(config["TargetValue"]) == 8
    assert (default(config["ScaleInCooldown"]), default(config["ScaleOutCooldown"])) == (120, 120)
    assert config["CustomizedMetricSpecification"] == {
        "MetricName": "ApproximateBacklogSizePerInstance",
        "Namespace": "AWS/SageMaker",
        "Dimensions": [{"Name": "EndpointName", "Value": ENDPOINT_NAME}],
        "Statistic": "Average",
    }


def test_wake_policy_sets_the_instance_count_the_alarm_computes(properties):
    policy = properties("WakeFromZeroStepPolicy")
    assert policy["PolicyType"] == "StepScaling"
    assert policy["ScalingTargetId"] == {"Ref": "SummarizerScalableTarget"}
    config = policy["StepScalingPolicyConfiguration"]
    # ExactCapacity: re-invoked every minute the alarm stays in ALARM, it sets the same count again
    assert (config["AdjustmentType"], config["MetricAggregationType"]) == ("ExactCapacity", "Maximum")
    steps = config["StepAdjustments"]
    # Application Auto Scaling's default quota is 20 step adjustments per policy
    assert len(steps) <= 20
    # Contiguous intervals above the threshold, the last one unbounded
    lowers = [step["MetricIntervalLowerBound"] for step in steps]
    uppers = [step.get("MetricIntervalUpperBound") for step in steps]
    assert lowers[0] == 0 and uppers[-1] is None and lowers[1:] == uppers[:-1]
    # Exact from 1 to 12 instances (value k - 1 above the threshold of 1 asks for k), then rounded up
    assert [step["ScalingAdjustment"] for step in steps[:12]] == list(range(1, 13))
    assert all(step["ScalingAdjustment"] >= step.get("MetricIntervalUpperBound", 0) for step in steps)


def test_wake_alarm_is_the_instance_count_a_backlog_needs_while_none_is_in_service(properties):
    alarm = properties("HasBacklogWithoutCapacityAlarm")
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    [returned] = [query for query in queries.values() if query.get("ReturnData", True)]
    # 1 for the first queued request, one more per TargetBacklogPerInstance after it; 0 with capacity
    dimensions = [{"Name": "EndpointName", "Value": ENDPOINT_NAME}]
    assert returned["Expression"] == {
        "Fn::Sub": "without_capacity * (1 + (backlog - 1) / ${TargetBacklogPerInstance})"
    }
    for query_id, metric_name, stat in [
        ("without_capacity", "HasBacklogWithoutCapacity", "Minimum"),
        ("backlog", "ApproximateBacklogSize", "Maximum"),
    ]:
        metric = {"Namespace": "AWS/SageMaker", "MetricName": metric_name, "Dimensions": dimensions}
        assert queries[query_id]["MetricStat"] == {"Metric": metric, "Period": 60, "Stat": stat}
    # Two one-minute datapoints at >= 1 raise it, as AWS's async scale-from-zero example does
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "WakeFromZeroStepPolicy"}]


def test_the_endpoint_starts_with_one_instance_of_the_parameter_type(properties, default):
    (variant,) = properties("SummarizerEndpointConfig")["ProductionVariants"]
    assert variant["InitialInstanceCount"] == 1
    assert default(variant["InstanceType"]).startswith("ml.")
