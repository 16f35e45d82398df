"""What the Lambda service does with a function's role around an invocation, for the local gateway.

With active tracing, the X-Ray daemon in the execution environment uploads the function's segment
(`xray:PutTraceSegments`) and its own telemetry (`xray:PutTelemetryRecords`) with the function's
role credentials (AWS X-Ray developer guide, "AWS Lambda and AWS X-Ray": the role needs both, as
in the AWSXRayDaemonWriteAccess policy). The gateway makes the same two calls, with the same
credentials, so the emulator authorizes them like any call of the function.

Not modelled: the ENI calls Lambda makes with the role when it attaches the function to the VPC,
and the log writes the Lambda service makes (the gateway logs to this process).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import secrets
import time
from collections.abc import Mapping
from typing import Any

import botocore.exceptions
import botocore.session

_log = logging.getLogger("offline.lambda")


@functools.cache
def _session() -> botocore.session.Session:
    """One botocore session for every upload: it caches the service models (seconds to load)."""
    return botocore.session.get_session()


def after_invocation(config: Mapping[str, Any], region: str) -> None:
    """Upload the invocation's trace as the X-Ray daemon would, with the credentials in the
    environment (the gateway sets the role's for the invocation). A refused upload does not fail
    the invocation: the daemon logs it and the trace is lost."""
    if (config.get("TracingConfig") or {}).get("Mode") != "Active":
        return
    xray = _session().create_client(
        "xray",
        region_name=region,
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=os.environ["AWS_SESSION_TOKEN"],
    )
    now = time.time()
    segment = {
        "name": config["FunctionName"],
        "id": secrets.token_hex(8),
        "trace_id": f"1-{int(now):08x}-{secrets.token_hex(12)}",
        "start_time": now,
        "end_time": now,
        "origin": "AWS::Lambda::Function",
    }
    try:
        xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment)])
        xray.put_telemetry_records(
            TelemetryRecords=[{"Timestamp": now, "SegmentsSentCount": 1}],
            EC2InstanceId="",
            Hostname="",
            ResourceARN=config["FunctionArn"],
        )
    except botocore.exceptions.ClientError as e:
        _log.warning("X-Ray daemon: %s", e)
