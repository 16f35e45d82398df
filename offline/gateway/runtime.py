"""Running the function as Lambda would: its handler (given, or its own zip as deployed in moto),
its environment variables and its role's credentials (assumed in moto, so the handler's boto3
calls land in the function's account), in its region, one invocation at a time."""

from __future__ import annotations

import importlib
import importlib.util
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from offline.emulator import EmulatorMocks, lambda_service

_log = logging.getLogger("offline.gateway")
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class FunctionError(Exception):
    """The function raised or returned no proxy response: Lambda reports a function error and
    API Gateway answers 502."""


class LambdaContext:
    """What the Lambda runtime passes as `context` (the attributes Powertools reads)."""

    def __init__(self, function_arn: str, memory_mb: int, timeout_s: int):
        self.function_name = function_arn.rsplit(":", 1)[-1]
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "offline"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(spec: str) -> Handler:
    """`module.path:function` -> the callable (imported on first use, inside the function's
    environment, so module-level boto3 clients get the function's credentials)."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "lambda_handler")


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


class DeployedCode:
    """The function's zip as deployed in moto, importable as Lambda imports it: the zip root on
    `sys.path`, the configured `Handler` (`module.function`). Its top-level modules are swapped
    into `sys.modules` only for the duration of a call, so flat names such as `app` or
    `settings` never clash with other code in this process."""

    def __init__(self, config: Mapping[str, Any], region: str):
        from moto.awslambda.models import lambda_backends

        account = config["FunctionArn"].split(":")[4]
        function = lambda_backends[account][region].get_function(config["FunctionName"])
        self.root = tempfile.mkdtemp(prefix=f"offline-{config['FunctionName']}-")
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(self.root)
            self.names = {n.split("/")[0].removesuffix(".py") for n in archive.namelist()}
        self.module, _, self.function = config["Handler"].rpartition(".")
        self.modules: dict[str, Any] = {}
        self.handler: Handler | None = None

    def _ours(self, name: str) -> bool:
        return name.split(".")[0] in self.names

    @contextmanager
    def loaded(self) -> Iterator[Handler]:
        saved = {n: m for n, m in sys.modules.items() if self._ours(n)}
        for n in saved:
            del sys.modules[n]
        sys.modules.update(self.modules)
        sys.path.insert(0, self.root)
        try:
            if self.handler is None:
                self.handler = getattr(importlib.import_module(self.module), self.function)
            yield self.handler
        finally:
            sys.path.remove(self.root)
            self.modules = {n: m for n, m in sys.modules.items() if self._ours(n)}
            for n in self.modules:
                del sys.modules[n]
            sys.modules.update(saved)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class FunctionRuntime:
    """Invokes Lambda functions deployed in the emulator. `handlers` maps a function name to a
    callable or a `module:function` spec; `default_handler` serves functions not in the map;
    without either, a function runs its own code as deployed in moto (the zip the program
    built)."""

    def __init__(
        self,
        emulator: EmulatorMocks,
        *,
        handlers: Mapping[str, Handler | str] | None = None,
        default_handler: Handler | str | None = None,
    ):
        self.emulator = emulator
        self.handlers = dict(handlers or {})
        self.default_handler = default_handler
        for spec in [*self.handlers.values(), default_handler]:
            if isinstance(spec, str) and not importable(spec.partition(":")[0]):
                raise LookupError(f"handler {spec}: no module {spec.partition(':')[0]}")
        self._invoke = threading.Lock()  # one invocation at a time: it sets process env vars
        self._deployed: dict[str, DeployedCode] = {}
        # Added to every function's environment: where the sandbox's local endpoints are
        # (e.g. AWS_ENDPOINT_URL_S3, so presigned URLs point at the local S3 endpoint).
        self.extra_environment: dict[str, str] = {}
        # access key id -> secret of the role credentials handed to functions, so a local
        # endpoint can check a signature made with them (S3 checks a presigned POST's).
        self.issued_credentials: dict[str, str] = {}

    def invoke(self, function_arn: str, event: dict[str, Any]) -> dict[str, Any]:
        """The function's proxy response to `event`; FunctionError where Lambda reports one."""
        region, account = function_arn.split(":")[3], function_arn.split(":")[4]
        name = function_arn.rsplit(":", 1)[-1]
        fn = self.emulator.context_for_account(account, region).client("lambda")
        config = fn.get_function(FunctionName=name)["Configuration"]
        with self._invoke, self._function_environment(config, region):
            try:
                with self._handler_for(config, region) as handler:
                    context = LambdaContext(function_arn, config["MemorySize"], config["Timeout"])
                    result = handler(event, context)
                lambda_service.after_invocation(config, region)  # the X-Ray daemon's uploads
                int(result["statusCode"])
            except Exception as e:
                # Lambda writes the traceback to the function's log; here, to this log.
                _log.exception("function %s failed", name)
                raise FunctionError(name) from e
        return result

    @contextmanager
    def _handler_for(self, config: Mapping[str, Any], region: str) -> Iterator[Handler]:
        """The handler given for this function, else the function's own deployed code."""
        name = config["FunctionName"]
        handler = self.handlers.get(name, self.default_handler)
        if handler is None:
            if name not in self._deployed:
                self._deployed[name] = DeployedCode(config, region)
            with self._deployed[name].loaded() as deployed:
                yield deployed
            return
        if isinstance(handler, str):
            handler = load_handler(handler)
            self.handlers[name] = handler
        yield handler

    @contextmanager
    def _function_environment(self, config: Mapping[str, Any], region: str) -> Iterator[None]:
        """The function's variables and its role's credentials (assumed in moto), as Lambda
        sets them, for the duration of one invocation."""
        import boto3

        sts = self.emulator.context_for_account(config["Role"].split(":")[4], region)
        creds = sts.client("sts").assume_role(
            RoleArn=config["Role"], RoleSessionName=config["FunctionName"][:64]
        )["Credentials"]
        self.issued_credentials[creds["AccessKeyId"]] = creds["SecretAccessKey"]
        env = {
            **(config.get("Environment") or {}).get("Variables", {}),
            **self.extra_environment,
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config["MemorySize"]),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        boto3.DEFAULT_SESSION = None  # the default session caches the previous credentials
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            boto3.DEFAULT_SESSION = None

    def close(self) -> None:
        for code in self._deployed.values():
            code.remove()
        self._deployed.clear()
