"""An AWS emulator under the Pulumi program: `EmulatorMocks` creates each resource in moto.

Importing this package registers every mapping (one module per AWS service family); the mapped
types are `RESOURCES`' keys, listed in docs/emulator.md.
"""

from offline.emulator import ec2, invokes, logs_iam  # noqa: F401  (registers the mappings)
from offline.emulator.mocks import EmulatorMocks
from offline.emulator.registry import INVOKES, RESOURCES, EmulatorRejected

__all__ = ["INVOKES", "RESOURCES", "EmulatorMocks", "EmulatorRejected"]
