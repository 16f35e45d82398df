"""hubspoke-bootstrap: run once per account, by an administrator, before hubspoke's first preview.

Home account (CI logs in here; for prod the network account): OIDC provider, state backend,
`hubspoke-preview` and one `hubspoke-deploy-<environment>` per environment. Every account: the
workload boundary, and `hubspoke-deploy-<environment>` for each environment it serves, trusted by
the home account's roles of that environment.
"""

import pulumi
import pulumi_aws as aws
from baseline import config
from baseline.access import CiAccess, CiAccessArgs
from baseline.state import StateBackend, StateBackendArgs

cfg = config.load()  # raises BootstrapConfigError listing every problem before anything is built
provider = aws.Provider(
    "account",
    region=cfg.region,
    allowed_account_ids=[cfg.account_id],  # refuse to run with another account's credentials
    # Not project=hubspoke: the deploy role may change only resources tagged that way.
    default_tags={"tags": {"project": "hubspoke-bootstrap", "managed-by": "pulumi"}},
)

state = None
if cfg.is_home:
    state = StateBackend("state", StateBackendArgs(cfg=cfg, provider=provider))
access = CiAccess(
    "ci",
    CiAccessArgs(
        cfg=cfg,
        provider=provider,
        state_bucket_arn=state.bucket.arn if state else None,
        state_key_arn=state.key.arn if state else None,
    ),
)

pulumi.export("deploy_role_arns", {env: role.arn for env, role in access.deploy_roles.items()})
pulumi.export("workload_boundary_arn", access.workload_boundary.arn)
if state is not None and access.preview_role is not None:
    pulumi.export("preview_role_arn", access.preview_role.arn)
    pulumi.export("backend_url", state.backend_url)
    pulumi.export("secrets_provider", state.secrets_provider)
