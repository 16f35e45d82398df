"""QueryLogs: Route 53 Resolver query logging for every VPC, hub and spokes.

Query log configs are regional (design.md pitfall 14) and log only VPCs of their own region: the
hub account owns one per region with a VPC, writing to a destination in that account and region,
shares it through RAM (components/sharing.py) with the other accounts that have a VPC there, and
each VPC associates it with its own provider after the share is usable. Every VPC's queries land
in the hub (network) account, where the platform team reads them.

Destinations:
- `cloudwatch`: a log group encrypted with the LogKey of the hub account and that region, with
  retention, and a CloudWatch Logs resource policy that lets the log delivery service write to it
  for this account's deliveries only. Route 53 Resolver query logs are "vended logs": the policy
  is the one in the CloudWatch Logs user guide, "Enabling logging from AWS services", section
  "Logs sent to CloudWatch Logs" (principal `delivery.logs.amazonaws.com`, `logs:CreateLogStream`
  and `logs:PutLogEvents` on the group's streams, `aws:SourceAccount` the account and
  `aws:SourceArn` `arn:aws:logs:<region>:<account>:*`, to prevent the confused deputy).
- `s3`: a private bucket (public access blocked, ACLs off), SSE-S3 encrypted, TLS only, whose
  policy lets the delivery service put objects under `AWSLogs/` (same guide, "Logs sent to
  Amazon S3", with the same conditions).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.api.policies import tls_only_bucket_policy
from components.buckets import keep_private
from components.model import QueryLoggingConfig
from components.naming import holds_fixed_name, log_group_name, resource_tags
from components.sharing import HubShare, share_with_vpc_owners, waits_for
from components.vpc import VpcRef

COMPONENT = "dns-query-logs"
DELIVERY = "delivery.logs.amazonaws.com"


def delivery_conditions(account_id: str, region: str) -> dict:
    """Only deliveries made for this account in this region (confused-deputy guard)."""
    return {
        "StringEquals": {"aws:SourceAccount": account_id},
        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"},
    }


def log_group_delivery_policy(log_group_arn: str, account_id: str, region: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ResolverQueryLogsDelivery",
                "Effect": "Allow",
                "Principal": {"Service": DELIVERY},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn.removesuffix(':*')}:log-stream:*",
                "Condition": delivery_conditions(account_id, region),
            }
        ],
    }


def bucket_delivery_policy(bucket_arn: str, account_id: str, region: str) -> dict:
    policy = tls_only_bucket_policy(bucket_arn)
    policy["Statement"] += [
        {
            "Sid": "ResolverQueryLogsDelivery",
            "Effect": "Allow",
            "Principal": {"Service": DELIVERY},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/*",
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceAccount": account_id,
                },
                "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"},
            },
        },
        {
            "Sid": "ResolverQueryLogsAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": DELIVERY},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": delivery_conditions(account_id, region),
        },
    ]
    return policy


@dataclass(frozen=True)
class QueryLogsArgs:
    logging: QueryLoggingConfig
    hub: VpcRef
    vpcs: Sequence[VpcRef]  # every VPC, the hub first
    hub_providers: Mapping[str, aws.Provider]  # the hub account's provider per region in use
    log_key_arns: Mapping[str, pulumi.Input[str]]  # the hub account's LogKey per region
    share_outside_organization: bool
    environment: str
    protect: bool


class QueryLogs(pulumi.ComponentResource):
    """Per region a query log config and its destination (hub account), its share, and every
    VPC's association."""

    config_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: QueryLogsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hubspoke:dns:QueryLogs", name, None, opts)
        self._prefix, self.args = name, args
        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {}
        self.buckets: dict[str, aws.s3.Bucket] = {}
        self.configs: dict[str, aws.route53.ResolverQueryLogConfig] = {}
        self.shares: dict[str, HubShare] = {}
        self.associations: dict[str, aws.route53.ResolverQueryLogConfigAssociation] = {}
        for region in dict.fromkeys(v.region for v in args.vpcs):
            self._region(region, [v for v in args.vpcs if v.region == region])
        self.config_ids = {r: c.id for r, c in self.configs.items()}
        self.register_outputs({"config_ids": self.config_ids})

    def _tags(self, suffix: str) -> dict[str, str]:
        return dict(resource_tags(COMPONENT, f"{self._prefix}-{suffix}", self.args.environment))

    def _region(self, region: str, vpcs: Sequence[VpcRef]) -> None:
        args = self.args
        prefix = f"{self._prefix}-{region}"
        hub_side = pulumi.ResourceOptions(parent=self, provider=args.hub_providers[region])
        account = args.hub.account_id
        if args.logging.destination == "s3":
            destination, ready = self._bucket(prefix, region, hub_side)
        else:
            destination, ready = self._log_group(prefix, region, hub_side)
        config = aws.route53.ResolverQueryLogConfig(
            prefix,
            name=f"hubspoke-{args.environment}-dns-queries-{region}",
            destination_arn=destination,
            tags=self._tags(region),
            # Delivery is checked when the config is created: the policy must exist first.
            # Its name is unique per account and region.
            opts=holds_fixed_name(
                pulumi.ResourceOptions.merge(hub_side, pulumi.ResourceOptions(depends_on=ready))
            ),
        )
        self.configs[region] = config
        share = share_with_vpc_owners(
            f"{prefix}-share",
            vpcs=vpcs,
            hub_account_id=account,
            aws_name=f"hubspoke-{args.environment}-dns-queries-{region}",
            resources={"config": config.arn},
            external=args.share_outside_organization,
            tags=self._tags(f"{region}-share"),
            opts=hub_side,
        )
        if share is not None:
            self.shares[region] = share
        for vpc in vpcs:
            waits = waits_for(share, vpc.account_key, "config")
            own = pulumi.ResourceOptions(parent=self, provider=vpc.provider, depends_on=waits)
            self.associations[vpc.plan.name] = aws.route53.ResolverQueryLogConfigAssociation(
                f"{self._prefix}-{vpc.plan.name}",
                resolver_query_log_config_id=config.id,
                resource_id=vpc.vpc_id,
                # One association per config and VPC.
                opts=holds_fixed_name(own),
            )

    def _log_group(
        self, prefix: str, region: str, opts: pulumi.ResourceOptions
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        args = self.args
        group = aws.cloudwatch.LogGroup(
            prefix,
            name=log_group_name(args.environment, "dns-queries", region),
            retention_in_days=args.logging.retention_days,
            kms_key_id=args.log_key_arns[region],
            tags=self._tags(f"{region}-logs"),
            opts=holds_fixed_name(opts),
        )
        self.log_groups[region] = group
        policy = aws.cloudwatch.LogResourcePolicy(
            prefix,
            policy_name=f"hubspoke-{args.environment}-dns-queries-{region}",
            policy_document=group.arn.apply(
                lambda arn: json.dumps(log_group_delivery_policy(arn, args.hub.account_id, region))
            ),
            opts=holds_fixed_name(opts),  # one policy of a name per account and region
        )
        return group.arn, [policy]

    def _bucket(
        self, prefix: str, region: str, opts: pulumi.ResourceOptions
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        args = self.args
        stateful = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(protect=args.protect, retain_on_delete=args.protect)
        )
        bucket = aws.s3.Bucket(
            prefix, force_destroy=not args.protect, tags=self._tags(f"{region}-logs"), opts=stateful
        )
        self.buckets[region] = bucket
        private = keep_private(prefix, bucket, opts)
        public, encryption = private.public_access, private.encryption
        policy = aws.s3.BucketPolicy(
            prefix,
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: json.dumps(bucket_delivery_policy(arn, args.hub.account_id, region))
            ),
            # S3 rejects a policy change while the public access block is being changed.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[public])),
        )
        return bucket.arn, [policy, encryption]
