"""Baseline for bench_program.py: registers `hubspoke:benchCount` bare resources, nothing else.

`hubspoke:benchVariant` (for `bench_program.py --explain`) adds one thing a real resource of the
program carries, to price it against the bare registration: `tags` (five tags, as
components/naming.py sets), `parent` (a component), `dependsOn` (one resource), `deep` (created six
calls down, as from inside a component: Pulumi captures every frame of the caller's stack).
"""

import pulumi

config = pulumi.Config("hubspoke")
variant = config.get("benchVariant") or "bare"


class Bare(pulumi.CustomResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None, **extra):
        super().__init__("bench:index:Bare", name, {"value": name, **extra}, opts)


class Group(pulumi.ComponentResource):
    def __init__(self, name: str):
        super().__init__("bench:index:Group", name, None, None)
        self.register_outputs({})


def deep(levels: int, make):
    return make() if levels == 0 else deep(levels - 1, make)


first = Bare("first") if variant == "dependsOn" else None
group = Group("group") if variant == "parent" else None
for i in range(config.require_int("benchCount")):
    name = f"bare-{i}"
    if variant == "tags":
        tags = {"Name": name, "project": "hubspoke", "environment": "dev", "component": "vpc"}
        Bare(name, tags={**tags, "managed-by": "pulumi"})
    elif variant == "parent":
        Bare(name, pulumi.ResourceOptions(parent=group))
    elif variant == "dependsOn":
        Bare(name, pulumi.ResourceOptions(depends_on=[first]))
    elif variant == "deep":
        deep(6, lambda name=name: Bare(name))
    else:
        Bare(name)
