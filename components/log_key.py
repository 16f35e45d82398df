"""LogKey: the customer managed key that encrypts every CloudWatch log group of one account and
region (flow logs, the function's, the API's access and execution logs, WAF and query logs).

One key per account and region, not per group: a key costs $1 a month, and a log group can only
use a key in its own region. `LogKeys` creates each on first use and hands out its ARN; a log
group that takes `kms_key_id=<arn>` depends on the key, so the key always exists first (design.md
pitfall 15: CloudWatch Logs refuses a key it cannot use).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import account_administers_key
from components.model import PROJECT, StackConfig
from components.naming import resource_tags

COMPONENT = "logs"
LOGS_KEY_ACTIONS = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)


def log_key_policy(account_id: str, region: str) -> dict:
    """The key's policy: the account administers it; CloudWatch Logs in this region may use it
    for this account's log groups only.

    The statement for Logs is the one in the CloudWatch Logs user guide, "Encrypt log data in
    CloudWatch Logs using AWS KMS" (step 2): principal `logs.<region>.amazonaws.com`, those five
    action families, and `ArnLike kms:EncryptionContext:aws:logs:arn` on the account's log groups
    (Logs sends the group's ARN as encryption context on every call it makes with the key).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            account_administers_key(account_id),
            {
                "Sid": "CloudWatchLogsEncrypts",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": list(LOGS_KEY_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:aws:logs:{region}:{account_id}:log-group:*"
                        )
                    }
                },
            },
        ],
    }


@dataclass(frozen=True)
class LogKeyArgs:
    account_key: str
    account_id: str
    region: str
    environment: str
    provider: aws.Provider
    protect: bool


class LogKey(pulumi.ComponentResource):
    """A KMS key (rotation on) and its alias, for the log groups of one account and region."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: LogKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("hubspoke:security:LogKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        tags = dict(resource_tags(COMPONENT, name, args.environment))
        self.key = aws.kms.Key(
            name,
            description=f"{PROJECT} {args.environment} CloudWatch log groups in {args.region}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(log_key_policy(args.account_id, args.region)),
            tags=tags,
            # Deleting the key makes every log group it encrypts unreadable.
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(protect=args.protect, retain_on_delete=args.protect),
            ),
        )
        aws.kms.Alias(
            name,
            name=f"alias/{PROJECT}-{args.environment}-logs",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})


class LogKeys:
    """The stack's log keys, created on first use and cached by (account key, region); logical
    names `logs-<account key>-<region>` never change with the order of use."""

    def __init__(self, cfg: StackConfig, accounts):
        self._cfg = cfg
        self._accounts = accounts
        self._keys: dict[tuple[str, str], LogKey] = {}

    def arn(self, account_key: str, region: str | None = None) -> pulumi.Output[str]:
        return self.key(account_key, region).arn

    def key(self, account_key: str, region: str | None = None) -> LogKey:
        region = region or self._cfg.region
        cached = self._keys.get((account_key, region))
        if cached is None:
            provider = self._accounts.provider(account_key, region)
            cached = LogKey(
                f"logs-{account_key}-{region}",
                LogKeyArgs(
                    account_key=account_key,
                    account_id=self._accounts.account_id(account_key),
                    region=region,
                    environment=self._cfg.environment,
                    provider=provider,
                    protect=self._cfg.is_prod,
                ),
                opts=pulumi.ResourceOptions(providers=[provider]),
            )
            self._keys[(account_key, region)] = cached
        return cached
