"""Source text shared by the standalone programs the emulator tests run."""

# The accounts of the standalone programs (hub, spoke, other), as in Pulumi.prod.yaml: they exist
# before the program runs (`EmulatorMocks.accounts`), as a stack's `hubspoke:accounts` do.
ACCOUNTS = frozenset({"111122223333", "444455556666", "777788889999"})

# Providers for standalone programs: one in each of ACCOUNTS.
PROVIDERS = """
import json
import pulumi
import pulumi_aws as aws

def provider(name, account, region="eu-west-1"):
    return aws.Provider(
        name,
        region=region,
        allowed_account_ids=[account],
        assume_roles=[aws.ProviderAssumeRoleArgs(
            role_arn=f"arn:aws:iam::{account}:role/hubspoke-deploy", session_name="test")],
    )

hub = provider("hub", "111122223333")
spoke = provider("spoke", "444455556666")
other = provider("other", "777788889999")

def on(p, **kw):
    return pulumi.ResourceOptions(provider=p, **kw)
"""
