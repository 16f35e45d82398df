"""`EmulatorMocks`: Pulumi mocks that create every resource in moto, in its provider's account.

Where `FakeAws` echoes inputs, this class makes the AWS calls the provider would make (through
boto3, against moto in-process), so what AWS would refuse is refused here too: a subnet outside
its VPC, a peering accepted by the wrong account, a policy that is not valid JSON. The ids, ARNs
and attributes returned are the ones moto made.

Accounts: a provider with `assumeRoles` gets the credentials of `sts:AssumeRole` on that role;
moto maps those credentials to the role's account, as AWS does. A provider without a role uses
ambient credentials; here they are pinned to the provider's `allowedAccountIds[0]` with moto's
`x-moto-account-id` request header (the process-wide `MOTO_ACCOUNT_ID` variable would override the
assumed-role accounts too). Either way the caller identity is checked against `allowedAccountIds`,
as the provider does before it creates anything.

Threads: the SDK registers resources from a thread pool, and moto's state is one per process. Every
call into moto (a mapping, an invoke, start and stop) holds one process-wide lock, and a
registration checks under it that its emulator still runs: a run that was rejected leaves
registrations queued on that lock, and without the check they would run after `stop()`, in the
next emulator's moto state, concurrently with its registrations and under accounts that state does
not know (an unknown access key is moto's default account). Clients are made under the lock and
kept on their session (`AccountSession`), so none outlives it or serves another.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import boto3
import botocore.exceptions
from moto import mock_aws
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from components.validation.accounts import parse_accounts
from components.validation.fields import MISSING, Problems
from offline.emulator import authorization
from offline.emulator.registry import (
    HORIZON,
    INVOKES,
    NAME_SALT,
    RESOURCES,
    Ctx,
    EmulatorRejected,
)
from offline.mocks import IN_FLIGHT, PROVIDER_TYPE, FakeAws

MOTO_DEFAULT_ACCOUNT = "123456789012"
_FAKE_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # pulumi's marker for a secret value


def unsecret(value: Any) -> Any:
    """Inputs as AWS receives them: secret markers removed (the engine keeps them in state)."""
    if isinstance(value, dict):
        if _SECRET_SIG in value and "value" in value:
            return unsecret(value["value"])
        return {k: unsecret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unsecret(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    """Provider inputs arrive JSON-encoded (lists and maps as strings)."""
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


class AccountSession(boto3.Session):
    """The credentials of one provider (or one account's ambient ones), with the clients made
    from them. The clients live on their session, not in a table of the emulator: a table keyed
    by `id(session)` hands a freed session's clients to a new session that reuses its id, and one
    keyed by the session keeps every session alive (a rejected provider's too)."""

    def __init__(self, header_account: str | None, **credentials: str) -> None:
        super().__init__(**credentials)
        # Ambient credentials pinned to this account with moto's `x-moto-account-id` header.
        self.header_account = header_account
        self.clients: dict[tuple[str, str], Any] = {}


@dataclass
class Created:
    """One resource the emulator created, for cross-resource checks and the summary."""

    type: str
    name: str
    id: str
    account_id: str
    region: str
    outputs: dict[str, Any]


@dataclass
class EmulatorMocks(FakeAws):
    """Mocks backed by moto. Use as a context manager: moto is active inside it, and stays
    active until exit so the deployed state can be read (or served) after the run."""

    default_account: str = MOTO_DEFAULT_ACCOUNT
    created: list[Created] = field(default_factory=list)
    # What the emulator layer records for calls moto lacks (e.g. RAM associations).
    extra: dict[str, Any] = field(default_factory=dict)
    # Quotas raised through Service Quotas: (account, region, hubspoke:quotas key) -> value.
    quotas: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # RAM's propagation delay (offline/emulator/ram.py): a shared resource is visible to a
    # principal account this many seconds after the share reaches it, on the virtual clock of
    # that resource in that account, which only the wait for it advances: no run sleeps.
    share_delay_seconds: float = 10.0
    # The AWS accounts that exist, known before anything registers (a RAM principal must be one,
    # offline/emulator/ram.py): the stack's `hubspoke:accounts` (`configure`, called by the
    # runner) and any given here.
    accounts: set[str] = field(default_factory=set)

    _running: ClassVar[EmulatorMocks | None] = None
    # moto's state is process-wide: one lock for every emulator's calls into it (see above).
    _moto_lock: ClassVar[threading.RLock] = threading.RLock()

    def __post_init__(self) -> None:
        self._lock = EmulatorMocks._moto_lock
        self._mock = mock_aws()
        self._active = False
        self._contexts: dict[str, Ctx] = {}  # provider id -> where its resources go
        self._providers = 0
        # URN -> the clock readings that resource comes after (registry.HORIZON).
        self._horizons: dict[str, dict[Any, float]] = {}
        # Evaluates the calls made with the credentials of roles the program created.
        self.authorizer = authorization.Authorizer(self)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> EmulatorMocks:
        with self._lock:
            return self._start()

    def _start(self) -> EmulatorMocks:
        if not self._active:
            # moto's state is process-wide and starting a mock resets it: two live emulators
            # would wipe each other's resources.
            if EmulatorMocks._running is not None:
                raise RuntimeError("another EmulatorMocks is running; stop it first")
            self._mock.start()
            authorization.install(self.authorizer)
            self._active = True
            EmulatorMocks._running = self
        return self

    def stop(self) -> None:
        """Stop once no call of this emulator is in flight (they hold the lock)."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        if self._active:
            authorization.uninstall()
            self._mock.stop()
            self._active = False
            EmulatorMocks._running = None

    @property
    def running(self) -> bool:
        return self._active

    def _require_running(self) -> None:
        """Registrations come only while the emulator runs; checked under the lock. Never start it
        here: after a rejection, registrations the engine had already queued still arrive on its
        threads, and restarting moto for them would leave an emulator running after the `with`
        block."""
        if not self._active:
            raise RuntimeError(
                "the emulator is not running: register resources inside `with EmulatorMocks()`"
            )

    def __enter__(self) -> EmulatorMocks:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- accounts --------------------------------------------------------------------------

    def client(self, ctx: Ctx, service: str, region: str) -> Any:
        """The session's client for `service` in `region`, made once (under the lock: a boto3
        session is not safe to share between threads while it makes clients)."""
        session = ctx.session
        with self._lock:
            if (service, region) not in session.clients:
                client = session.client(service, region_name=region)
                if session.header_account:

                    def pin(request: Any, account: str = session.header_account, **_: Any) -> None:
                        request.headers["x-moto-account-id"] = account

                    client.meta.events.register("before-sign", pin)
                session.clients[(service, region)] = client
            return session.clients[(service, region)]

    def _session(self, header_account: str | None, **credentials: str) -> AccountSession:
        return AccountSession(header_account, **(credentials or _FAKE_KEYS))

    def context_for_account(self, account_id: str, region: str) -> Ctx:
        """A context in any account (ambient credentials pinned to it), for cross-account reads."""
        key = f"account:{account_id}"
        if key not in self._contexts:
            self._contexts[key] = Ctx(self, account_id, region, self._session(account_id))
        ctx = self._contexts[key]
        return ctx if ctx.region == region else Ctx(self, account_id, region, ctx.session)

    def _provider_context(self, name: str, inputs: dict[str, Any]) -> Ctx:
        region = inputs.get("region") or self.default_region
        allowed = _decode(inputs.get("allowedAccountIds")) or []
        roles = _decode(inputs.get("assumeRoles")) or []
        if not roles and _decode(inputs.get("assumeRole")):
            roles = [_decode(inputs["assumeRole"])]
        base = self._session(None)
        if roles:
            session = base
            for role in roles:  # chained roles, in order, as the provider does
                arn = role.get("roleArn") or role.get("role_arn")
                session_name = role.get("sessionName") or role.get("session_name") or "pulumi"
                if not arn:
                    raise EmulatorRejected(f"provider {name}: an assumeRoles entry has no roleArn")
                creds = session.client("sts", region_name=region).assume_role(
                    RoleArn=arn, RoleSessionName=session_name
                )["Credentials"]
                session = self._session(
                    None,
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                )
        else:
            session = self._session(allowed[0] if allowed else None)
        ctx = Ctx(self, "", region, session)
        account = ctx.client("sts").get_caller_identity()["Account"]
        if allowed and account not in allowed:
            raise EmulatorRejected(
                f"provider {name}: the credentials resolve to account {account}, which is not in "
                f"allowedAccountIds {allowed}"
            )
        ctx.account_id = account
        default_tags = _decode(inputs.get("defaultTags")) or {}
        ctx.default_tags = dict(default_tags.get("tags") or {})
        return ctx

    def context(self, provider_ref: str | None) -> Ctx:
        """The context of the provider a resource or invoke names ("urn::id")."""
        provider_id = (provider_ref or "").rsplit("::", 1)[-1]
        if provider_id in self._contexts:
            return self._contexts[provider_id]
        return self.context_for_account(self.default_account, self.default_region)

    def horizon(self, urn: str) -> dict[Any, float]:
        """The clock readings the resource registered as `urn` comes after (registry.HORIZON)."""
        return dict(self._horizons.get(urn, {}))

    def _horizon_after(self, dependencies: tuple[str, ...]) -> dict[Any, float]:
        """The latest clock readings any of `dependencies` comes after: what a registration that
        waits for them has seen happen (a reading it does not depend on may not have happened
        yet when the engine runs it)."""
        horizon: dict[Any, float] = {}
        for urn in dependencies:
            for clock, reading in self._horizons.get(urn, {}).items():
                horizon[clock] = max(reading, horizon.get(clock, reading))
        return horizon

    def configure(self, config: Mapping[str, Any]) -> None:
        """The default region, and the stack's accounts: they exist before `pulumi up`, whatever
        order the program registers its providers in. Read with the config's own rules; a
        malformed entry adds nothing here (the program reports it)."""
        super().configure(config)
        accounts = parse_accounts(config.get("hubspoke:accounts", MISSING), Problems())
        self.accounts |= {account.id for account in accounts.values()}

    def raise_quota(self, account_id: str, region: str, key: str, value: int) -> None:
        """What an approved Service Quotas increase does: `key` is `value` in that account and
        region from now on (offline/emulator/quotas.py)."""
        self.quotas[(account_id, region, key)] = value

    def find(self, type_: str, id_: str) -> Created | None:
        return next((c for c in self.created if c.type == type_ and c.id == id_), None)

    # -- the Mocks interface ---------------------------------------------------------------

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        if self.preview and args.typ != PROVIDER_TYPE:
            # `pulumi preview` creates nothing and knows only the inputs; it still configures
            # the providers (below), so invokes run in each provider's account and region.
            return "", dict(args.inputs)
        if not args.custom and args.typ != PROVIDER_TYPE:
            return "", {}  # a component: registers nothing in AWS
        with self._lock:
            self._require_running()
            if args.typ == PROVIDER_TYPE:
                # A counter of providers only: unique even when one emulator serves two runs.
                provider_id = f"{args.name}-{self._providers}"
                self._providers += 1
                self._contexts[provider_id] = self._provider_context(args.name, args.inputs)
                return provider_id, dict(args.inputs)
            mapping = RESOURCES.get(args.typ)
            if mapping is None:
                raise EmulatorRejected(
                    f"{args.typ} '{args.name}': the emulator has no mapping for this resource "
                    "type (add one in offline/emulator/)"
                )
            ctx = self.context(args.provider)
            if not args.provider and "accountId" in args.inputs:
                # A dynamic resource (no AWS provider) acts in the account its inputs name.
                account, region = args.inputs["accountId"], args.inputs.get("region")
                ctx = self.context_for_account(account, region or self.default_region)
            # The stack, from the provider's URN (`urn:pulumi:<stack>::...`): auto-names per stack.
            stack = (args.provider or "").removeprefix("urn:pulumi:").split("::", 1)[0]
            salt = NAME_SALT.set(stack)
            in_flight = IN_FLIGHT.get()
            horizon = self._horizon_after(in_flight.dependencies if in_flight else ())
            horizon_token = HORIZON.set(horizon)
            try:
                resource_id, computed = mapping(ctx, args.name, unsecret(args.inputs))
            except (
                botocore.exceptions.ClientError,
                botocore.exceptions.ParamValidationError,
                ValueError,  # an input AWS would refuse as malformed (checked by the mapping)
            ) as e:
                raise EmulatorRejected(
                    f"{args.typ} '{args.name}' (account {ctx.account_id}, {ctx.region}): {e}"
                ) from e
            except NotImplementedError as e:
                raise EmulatorRejected(
                    f"{args.typ} '{args.name}': moto {e} (the mapping must check and record "
                    "this call itself)"
                ) from e
            except EmulatorRejected as e:
                raise EmulatorRejected(
                    f"{args.typ} '{args.name}' (account {ctx.account_id}, {ctx.region}): {e}"
                ) from e
            finally:
                NAME_SALT.reset(salt)
                HORIZON.reset(horizon_token)
            if in_flight:
                self._horizons[in_flight.urn] = horizon
            outputs = {**args.inputs, **computed}
            if "tags" in args.inputs or ctx.default_tags:
                outputs.setdefault("tagsAll", ctx.tags(args.inputs))
            self.created.append(
                Created(args.typ, args.name, resource_id, ctx.account_id, ctx.region, outputs)
            )
            return resource_id, outputs

    def call(self, args: MockCallArgs) -> dict:
        answer = INVOKES.get(args.token)
        if answer is None:
            raise NotImplementedError(f"the emulator does not answer the invoke {args.token}")
        with self._lock:
            self._require_running()
            return answer(self.context(args.provider), unsecret(args.args))
