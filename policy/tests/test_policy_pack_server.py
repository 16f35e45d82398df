"""The pack itself: start `policy/__main__.py` the way the Pulumi CLI does (a process that prints
its gRPC port) and ask it, over the Analyzer protocol, what it enforces and what it finds."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policy import validators

PACK = Path(__file__).resolve().parent.parent
MANDATORY = analyzer_pb2.EnforcementLevel.Value("MANDATORY")


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    # The CLI runs the pack from its own directory with the pack's virtualenv; here, this venv.
    pack = subprocess.Popen(
        [sys.executable, "-u", "__main__.py"], cwd=PACK, stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(pack.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        pack.terminate()
        pack.wait(timeout=30)


def _struct(props: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(props)
    return message


def test_pack_lists_every_rule_as_mandatory(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert info.name == "hubspoke"
    for rule in [*validators.RESOURCE_CHECKS, *validators.STACK_CHECKS]:
        assert levels[rule] == MANDATORY, rule
    assert levels["public-api-routes"] == analyzer_pb2.EnforcementLevel.Value("ADVISORY")


def test_pack_reports_open_ingress_as_a_mandatory_violation(analyzer):
    request = analyzer_pb2.AnalyzeRequest(
        type=validators.SECURITY_GROUP,
        name="web",
        urn="urn:pulumi:dev::hubspoke::aws:ec2/securityGroup:SecurityGroup::web",
        properties=_struct({"ingress": [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 22}]}),
    )
    [diagnostic] = analyzer.Analyze(request).diagnostics
    assert diagnostic.policyName == "no-ingress-from-anywhere"
    assert diagnostic.enforcementLevel == MANDATORY
    assert "0.0.0.0/0" in diagnostic.message


def test_pack_passes_a_table_with_encryption_and_pitr(analyzer):
    props = {"serverSideEncryption": {"enabled": True}, "pointInTimeRecovery": {"enabled": True}}
    request = analyzer_pb2.AnalyzeRequest(
        type=validators.DYNAMODB_TABLE, name="items", urn="urn:items", properties=_struct(props)
    )
    assert list(analyzer.Analyze(request).diagnostics) == []


def _provider(environment: str) -> analyzer_pb2.AnalyzerResource:
    # The program's providers carry `default_tags`; the engine hands a provider's nested
    # inputs to the pack as JSON text.
    tags = json.dumps({"tags": {"project": "hubspoke", "environment": environment}})
    return analyzer_pb2.AnalyzerResource(
        type=validators.AWS_PROVIDER,
        name="network",
        urn=f"urn:provider-{environment}",
        properties=_struct({"region": "eu-west-1", "defaultTags": tags}),
    )


def test_pack_holds_prod_vpcs_to_dns_firewall_and_query_logs(analyzer):
    vpc = analyzer_pb2.AnalyzerResource(
        type=validators.VPC, name="hub", urn="urn:vpc", properties=_struct({"id": "vpc-1"})
    )
    flow_log = analyzer_pb2.AnalyzerResource(
        type=validators.FLOW_LOG, name="fl", urn="urn:fl", properties=_struct({"vpcId": "vpc-1"})
    )
    firewall = analyzer_pb2.AnalyzerResource(
        type=validators.FIREWALL_ASSOCIATION,
        name="dns-firewall-hub",
        urn="urn:fw",
        properties=_struct({"vpcId": "vpc-1"}),
    )
    prod = analyzer_pb2.AnalyzeStackRequest(resources=[_provider("prod"), vpc, flow_log, firewall])
    [diagnostic] = analyzer.AnalyzeStack(prod).diagnostics
    assert (diagnostic.policyName, diagnostic.urn) == ("prod-vpcs-log-dns-queries", "urn:vpc")
    assert "VPC hub has no ResolverQueryLogConfigAssociation" in diagnostic.message
    dev = analyzer_pb2.AnalyzeStackRequest(resources=[_provider("dev"), vpc, flow_log])
    assert list(analyzer.AnalyzeStack(dev).diagnostics) == []


def test_pack_stack_rules_use_the_dependency_graph_and_the_public_routes_config(analyzer):
    dev = _provider("dev")
    vpc = analyzer_pb2.AnalyzerResource(
        type=validators.VPC, name="hub", urn="urn:vpc", properties=_struct({"id": "vpc-1"})
    )
    method = analyzer_pb2.AnalyzerResource(
        type=validators.APIGW_METHOD,
        name="health",
        urn="urn:health",
        properties=_struct({"httpMethod": "GET", "authorization": "NONE", "resourceId": "r"}),
    )
    resource = analyzer_pb2.AnalyzerResource(
        type=validators.APIGW_RESOURCE,
        name="health",
        urn="urn:res",
        properties=_struct({"id": "r", "parentId": "root", "pathPart": "health"}),
    )
    stack = analyzer_pb2.AnalyzeStackRequest(resources=[dev, vpc, method, resource])
    found = {(d.policyName, d.urn) for d in analyzer.AnalyzeStack(stack).diagnostics}
    assert found == {
        ("vpcs-have-flow-logs", "urn:vpc"),
        ("api-methods-have-authorizers", "urn:health"),
    }

    config = analyzer_pb2.PolicyConfig(
        enforcementLevel=MANDATORY, properties=_struct({"publicRoutes": ["GET /health"]})
    )
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={"api-methods-have-authorizers": config, "public-api-routes": config}
        )
    )
    flow_log = analyzer_pb2.AnalyzerResource(
        type=validators.FLOW_LOG,
        name="hub-flow-log",
        urn="urn:fl",
        properties=_struct({}),
        propertyDependencies={"vpcId": analyzer_pb2.AnalyzerPropertyDependencies(urns=["urn:vpc"])},
    )
    stack = analyzer_pb2.AnalyzeStackRequest(resources=[dev, vpc, method, resource, flow_log])
    diagnostics = list(analyzer.AnalyzeStack(stack).diagnostics)
    # The flow log is linked to the VPC by the dependency graph alone (its vpcId is not set), the
    # health route is allowed by config and still reported, as advice.
    [advice] = diagnostics
    assert advice.policyName == "public-api-routes"
    assert advice.message.endswith("method GET /health is public (allowed by publicRoutes)")


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.split("==") for line in lines if "==" in line)


def test_pack_virtualenv_pins_the_same_pulumi_and_pulumi_policy_as_the_tests():
    pack = _pins(PACK / "requirements.txt")
    root = PACK.parent
    assert pack["pulumi"] == _pins(root / "requirements.txt")["pulumi"]
    assert pack["pulumi-policy"] == _pins(root / "requirements-dev.txt")["pulumi-policy"]
