"""EC2 network ACLs: the ACL with its subnets, and one entry per NetworkAclRule.

AWS's checks, made here where moto skips them: the subnets are in the ACL's VPC (a subnet moves
from its current ACL association to this one: ReplaceNetworkAclAssociation); a rule number is
1-32766 and unique per ACL and direction (NetworkAclEntryAlreadyExists); TCP and UDP rules carry
a port range; the protocol is a number EC2 knows.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from offline.emulator.registry import Created, Ctx, EmulatorRejected, Inputs, number, resource

_PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1", "-1": "-1"}


@resource("aws:ec2/networkAcl:NetworkAcl")
def network_acl(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    if inputs.get("ingress") or inputs.get("egress"):
        raise EmulatorRejected("inline ingress/egress rules are not mapped: use NetworkAclRule")
    ec2 = ctx.client("ec2")
    vpc_id = inputs["vpcId"]
    acl = ec2.create_network_acl(
        VpcId=vpc_id, TagSpecifications=ctx.tag_specs("network-acl", inputs)
    )
    acl_id = acl["NetworkAcl"]["NetworkAclId"]
    for subnet_id in inputs.get("subnetIds") or []:
        subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
        if subnet["VpcId"] != vpc_id:
            raise EmulatorRejected(
                f"InvalidParameterValue: subnet {subnet_id} is in {subnet['VpcId']}, not the "
                f"ACL's VPC {vpc_id}"
            )
        current = ec2.describe_network_acls(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
        )["NetworkAcls"][0]
        association = next(a for a in current["Associations"] if a["SubnetId"] == subnet_id)
        ec2.replace_network_acl_association(
            AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl_id
        )
    return acl_id, {"arn": ctx.arn("ec2", f"network-acl/{acl_id}"), "ownerId": ctx.account_id}


@resource("aws:ec2/networkAclRule:NetworkAclRule")
def network_acl_rule(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    ec2 = ctx.client("ec2")
    acl_id = inputs["networkAclId"]
    rule_number = number(inputs["ruleNumber"])
    egress = bool(inputs.get("egress", False))
    protocol = _PROTOCOLS.get(str(inputs["protocol"]).lower(), str(inputs["protocol"]))
    if not 1 <= rule_number <= 32766:
        raise EmulatorRejected(f"InvalidParameterValue: rule number {rule_number} is not 1-32766")
    if protocol not in ("6", "17", "1", "-1") and not protocol.isdigit():
        raise EmulatorRejected(f"InvalidParameterValue: protocol {inputs['protocol']}")
    acl = ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]
    if any(
        e["RuleNumber"] == rule_number and e["Egress"] == egress for e in acl.get("Entries", [])
    ):
        raise EmulatorRejected(
            f"NetworkAclEntryAlreadyExists: rule {rule_number} "
            f"({'egress' if egress else 'ingress'}) already exists in {acl_id}"
        )
    kwargs: dict[str, Any] = {
        "NetworkAclId": acl_id,
        "RuleNumber": rule_number,
        "Protocol": protocol,
        "RuleAction": inputs["ruleAction"],
        "Egress": egress,
        "CidrBlock": str(ipaddress.ip_network(inputs["cidrBlock"])),
    }
    if protocol in ("6", "17"):
        if inputs.get("fromPort") is None or inputs.get("toPort") is None:
            raise EmulatorRejected(
                f"MissingParameter: a TCP or UDP rule ({rule_number}) needs fromPort and toPort"
            )
        kwargs["PortRange"] = {"From": number(inputs["fromPort"]), "To": number(inputs["toPort"])}
    ec2.create_network_acl_entry(**kwargs)
    return f"nacl-{acl_id}-{rule_number}-{int(egress)}", {}
