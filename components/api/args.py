"""ItemsApiArgs: the component's interface, everything the items API is built from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.api.contract import FUNCTION_CODE
from components.model import ApiConfig
from components.vpc import Vpc


@dataclass(frozen=True)
class ItemsApiArgs:
    """Everything the API is built from; the config part comes from `hubspoke:api`."""

    config: ApiConfig
    spoke: Vpc
    provider: aws.Provider
    environment: str
    account_id: str
    log_retention_days: int
    is_prod: bool
    # The spoke account and region's log key (components/log_key.py): every log group of the API.
    log_key_arn: pulumi.Input[str]
    code_path: Path = FUNCTION_CODE
    # Origins known only once other resources exist (the WebApp's distribution), allowed besides
    # `config.cors_origins`; outputs, possibly deferred (components/webapp.py says why).
    web_origins: Sequence[pulumi.Input[str]] = ()
