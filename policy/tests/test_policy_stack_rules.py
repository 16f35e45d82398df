"""Each stack rule passes a good stack and fails a bad one."""

import json

import pytest

from policy import validators as v
from policy.validators import Resource


def res(type_, name, id_=None, deps=None, **props):
    return Resource(type_, name, f"urn:{name}", props, id_, deps or {})


def test_bucket_with_its_public_access_block_passes_by_id_or_by_dependency():
    bucket = res(v.S3_BUCKET, "uploads", "uploads-123", bucket="uploads-123")
    by_id = res(v.S3_PUBLIC_ACCESS_BLOCK, "uploads", "b", bucket="uploads-123")
    # In a preview the bucket name is unknown: the dependency graph still links them.
    by_dep = Resource(v.S3_PUBLIC_ACCESS_BLOCK, "uploads", "urn:pab", {}, None,
                      {"bucket": ("urn:uploads",)})  # fmt: skip
    assert v.buckets_have_public_access_blocks([bucket, by_id]) == []
    assert v.buckets_have_public_access_blocks([bucket, by_dep]) == []


def test_bucket_without_a_public_access_block_is_refused():
    bucket = res(v.S3_BUCKET, "uploads", "uploads-123")
    other = res(v.S3_PUBLIC_ACCESS_BLOCK, "other", "o", bucket="other-456")
    assert v.buckets_have_public_access_blocks([bucket, other]) == [
        ("urn:uploads", "bucket uploads has no BucketPublicAccessBlock")
    ]


def test_vpc_with_a_flow_log_passes_and_one_without_is_refused():
    hub = res(v.VPC, "hub", "vpc-1")
    spoke = res(v.VPC, "app", "vpc-2")
    log = res(v.FLOW_LOG, "hub-flow-log", "fl-1", vpcId="vpc-1")
    assert v.vpcs_have_flow_logs([hub, log]) == []
    assert v.vpcs_have_flow_logs([hub, spoke, log]) == [("urn:app", "VPC app has no FlowLog")]


def _subnets(*zones):
    return [
        res(v.SUBNET, f"hub-private-{i}", f"subnet-{i}", availabilityZone=z)
        for i, z in enumerate(zones)
    ]


def _endpoint(*subnet_ids):
    return res(v.RESOLVER_ENDPOINT, "hub-inbound", "rslvr-in-1",
               ipAddresses=[{"subnetId": s} for s in subnet_ids])  # fmt: skip


def test_resolver_endpoint_in_two_azs_passes():
    subnets = _subnets("eu-west-1a", "eu-west-1b")
    assert v.resolver_endpoints_span_azs([*subnets, _endpoint("subnet-0", "subnet-1")]) == []


def test_resolver_endpoint_with_one_subnet_is_refused():
    [(urn, message)] = v.resolver_endpoints_span_azs([_endpoint("subnet-0", "subnet-0")])
    assert urn == "urn:hub-inbound" and "2 IP(s) in 1 subnet(s)" in message


def test_resolver_endpoint_with_two_subnets_in_one_az_is_refused():
    subnets = _subnets("eu-west-1a", "eu-west-1a")
    [(_, message)] = v.resolver_endpoints_span_azs([*subnets, _endpoint("subnet-0", "subnet-1")])
    assert "all its IPs in eu-west-1a" in message


def _api(authorization, verb="GET", path_part="items"):
    items = res(v.APIGW_RESOURCE, "api-items", "res-items", parentId="root-1", pathPart=path_part)
    method = res(v.APIGW_METHOD, f"api-items-{verb}", f"m-{verb}", httpMethod=verb,
                 authorization=authorization, resourceId="res-items")  # fmt: skip
    return [items, method]


def test_method_with_cognito_authorizer_and_unauthenticated_preflight_pass():
    stack = [*_api("COGNITO_USER_POOLS"), *_api("NONE", "OPTIONS")[1:]]
    assert v.api_methods_have_authorizers(stack) == []


def test_method_without_authorizer_is_refused_with_its_route():
    [(urn, message)] = v.api_methods_have_authorizers(_api("NONE", "POST"))
    assert urn == "urn:api-items-POST"
    assert message.startswith("method POST /items (api-items-POST) has authorization NONE")


def test_public_route_in_the_allow_list_passes_but_is_still_listed():
    stack = _api("NONE", "GET", "health")
    assert v.api_methods_have_authorizers(stack, ["GET /health"]) == []
    assert v.public_api_routes(stack, ["GET /health"]) == [
        ("urn:api-items-GET", "method GET /health is public (allowed by publicRoutes)")
    ]
    # The allow-list names a verb and a path: another verb on that path is not allowed.
    assert v.api_methods_have_authorizers(_api("NONE", "DELETE", "health"), ["GET /health"])


def test_nested_resource_paths_are_walked_to_the_root():
    items = res(v.APIGW_RESOURCE, "items", "r1", parentId="root", pathPart="items")
    item = res(v.APIGW_RESOURCE, "item", "r2", parentId="r1", pathPart="{id}")
    method = res(v.APIGW_METHOD, "get-item", "m", httpMethod="GET", authorization="NONE",
                 resourceId="r2")  # fmt: skip
    [(_, message)] = v.api_methods_have_authorizers([items, item, method])
    assert "GET /items/{id}" in message


def test_all_violations_names_rule_and_resource():
    stack = [_provider("dev"), res(v.VPC, "hub", "vpc-1"), res(v.LOG_GROUP, "lg", "lg-1")]
    assert sorted(v.all_violations(stack)) == [
        "log-groups-encrypted-with-customer-keys: urn:lg: kmsKeyId is None: encrypt the log "
        "group with a customer managed KMS key ARN",
        "log-groups-have-retention: urn:lg: retentionInDays is None: set a retention (days > 0)",
        "vpcs-have-flow-logs: urn:hub: VPC hub has no FlowLog",
    ]


def test_all_violations_applies_the_public_routes_allow_list():
    items, method = _api("NONE", "GET", "health")
    method = res(v.APIGW_METHOD, method.name, method.id, **method.props, requestValidatorId="rv")
    stack = [items, method]
    assert v.all_violations(stack, public_routes=["GET /health"]) == []
    [line] = v.all_violations(stack)
    assert line.startswith("api-methods-have-authorizers: urn:api-items-GET: method GET /health")


def _provider(environment, as_json=True):
    tags = {"tags": {"project": "hubspoke", "environment": environment}}
    return res(v.AWS_PROVIDER, "network", defaultTags=json.dumps(tags) if as_json else tags)


def test_the_environment_comes_from_provider_default_tags_or_vpc_tags_all():
    assert v.environments([_provider("prod")]) == {"prod"}
    assert v.environments([_provider("dev", as_json=False)]) == {"dev"}
    assert v.environments([res(v.VPC, "hub", "vpc-1", tagsAll={"environment": "prod"})]) == {"prod"}
    assert v.environments([res(v.VPC, "hub", "vpc-1")]) == set()


PROD_VPC_RULES = [
    (v.prod_vpcs_have_dns_firewall, v.FIREWALL_ASSOCIATION, "vpcId"),
    (v.prod_vpcs_log_dns_queries, v.QUERY_LOG_ASSOCIATION, "resourceId"),
]


@pytest.mark.parametrize(("check", "type_", "prop"), PROD_VPC_RULES)
def test_prod_vpcs_associated_by_id_or_by_dependency_pass(check, type_, prop):
    hub, spoke = res(v.VPC, "hub", "vpc-1"), res(v.VPC, "app", None)
    by_id = res(type_, "hub-assoc", "a-1", **{prop: "vpc-1"})
    # In a preview the spoke's id is unknown: the dependency graph links them.
    by_dep = res(type_, "app-assoc", None, deps={prop: ("urn:app",)})
    assert check([_provider("prod"), hub, spoke, by_id, by_dep]) == []


@pytest.mark.parametrize(("check", "type_", "prop"), PROD_VPC_RULES)
def test_a_prod_vpc_without_the_association_is_refused_by_name(check, type_, prop):
    hub, spoke = res(v.VPC, "hub", "vpc-1"), res(v.VPC, "app", "vpc-2")
    stack = [_provider("prod"), hub, spoke, res(type_, "hub-assoc", "a-1", **{prop: "vpc-1"})]
    [(urn, message)] = check(stack)
    assert urn == "urn:app"
    assert message.startswith(f"VPC app has no {type_.rsplit(':', 1)[1]}: prod ")
    # Another property pointing at the VPC does not count.
    other = "resourceId" if prop == "vpcId" else "vpcId"
    assert len(check([_provider("prod"), hub, res(type_, "x", "a-2", **{other: "vpc-1"})])) == 1


@pytest.mark.parametrize(("check", "type_", "prop"), PROD_VPC_RULES)
def test_outside_prod_a_vpc_may_go_without_the_association(check, type_, prop):
    assert check([_provider("dev"), res(v.VPC, "hub", "vpc-1")]) == []


@pytest.mark.parametrize(("check", "type_", "prop"), PROD_VPC_RULES)
def test_a_stack_whose_environment_cannot_be_read_is_held_to_prods_rules(check, type_, prop):
    [(urn, _)] = check([res(v.VPC, "hub", "vpc-1")])
    assert urn == "urn:hub"


def test_resolver_endpoint_in_two_az_ids_passes_and_in_one_az_id_is_refused():
    subnets = [
        res(v.SUBNET, f"hub-private-{i}", f"subnet-{i}", availabilityZoneId=z)
        for i, z in enumerate(("euw1-az1", "euw1-az2", "euw1-az2"))
    ]
    assert v.resolver_endpoints_span_azs([*subnets, _endpoint("subnet-0", "subnet-1")]) == []
    [(_, message)] = v.resolver_endpoints_span_azs([*subnets, _endpoint("subnet-1", "subnet-2")])
    assert "all its IPs in euw1-az2" in message
