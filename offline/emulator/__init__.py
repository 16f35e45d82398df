"""An AWS emulator under the Pulumi program: `EmulatorMocks` creates each resource in moto.

Importing this package registers every mapping (one module per AWS service family); the mapped
types are `RESOURCES`' keys, listed in docs/emulator.md.
"""

from offline.emulator import (  # noqa: F401  (importing registers the mappings)
    apigateway,
    cloudfront,
    compute,
    data,
    dns_firewall,
    ec2,
    ec2_acls,
    ec2_security_vpn,
    identity,
    invokes,
    logs_iam,
    notify,
    ram,
    route53,
    storage,
    transit_gateway,
    waf,
)
from offline.emulator.mocks import EmulatorMocks
from offline.emulator.registry import INVOKES, NOT_PRODUCED, RESOURCES, EmulatorRejected

__all__ = ["INVOKES", "NOT_PRODUCED", "RESOURCES", "EmulatorMocks", "EmulatorRejected"]
