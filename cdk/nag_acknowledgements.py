"""Accepted cdk-nag (AwsSolutions) findings, each with the reason it is accepted.

cdk-nag 3.x matches acknowledgements by exact finding id (``AwsSolutions-IAM5[Resource::...]``), so the
IAM5 ids are computed from the same deterministic names the stacks use; a new wildcard therefore
fails ``-c nag=1`` until someone decides about it here. Every acknowledgement is attached to the
resources it concerns, never to a stack: ``Resource::*`` in particular only to the X-Ray policy of each
function, the ECS execution roles and the state machines' roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import aws_cdk as cdk

from constructs import IConstruct

PACK = "AwsSolutions::AwsSolutions"
LAMBDA_BASIC = (
    f"{PACK}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)
APIGW_LOGS = (
    f"{PACK}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AmazonAPIGatewayPushToCloudWatchLogs]"
)
WILDCARD_REASON = (
    "Wildcards come from CDK grant methods scoped to our own resources: lake object keys "
    "(bucket/*, a writer's own prefix such as runs/*, landing/*, evaluations/*, quarantine/workflow/*, "
    "the instrument snapshot's raw/, curated/ and quarantine/ prefixes), S3 action "
    "groups (s3:GetObject* …), Lambda versions (fn:*) for Step Functions and Scheduler invoke, ECS "
    "tasks of our cluster, Glue tables of our database, "
    "the backtest machine's own child executions, and @connections/* of our WebSocket stage."
)
S3_ACTIONS = ("s3:List*", "s3:GetObject*", "s3:GetBucket*", "s3:DeleteObject*", "s3:Abort*")
COMMON = {
    LAMBDA_BASIC: "AWS's basic execution policy only lets a function write its own CloudWatch logs.",
    f"{PACK}-L1": "Python 3.12 is pinned on purpose: layers and container image are built for 3.12; "
    "move all three together.",
}
API = {
    APIGW_LOGS: "API Gateway's account-level logging role needs exactly this AWS policy for access logs.",
    f"{PACK}-APIG2": "Requests are validated by the Powertools resolver against the OpenAPI/pydantic models "
    "(422 with field errors); a second validator in API Gateway would drift from it.",
    f"{PACK}-APIG3": "No WAF for a single-operator platform behind Cognito with stage throttling (a web ACL "
    "costs ~USD 6/month plus requests); add one for a public multi-tenant deployment.",
    f"{PACK}-APIG4": "WebSocket routes: $connect verifies the Cognito JWT in ws_connect (browsers cannot set "
    "headers on WebSocket upgrades); $disconnect/$default exist only on an accepted connection.",
    f"{PACK}-COG8": "The Cognito Plus plan (threat protection) is billed per MAU; TOTP MFA is required and "
    "self sign-up is disabled instead.",
}
LIVE = {
    f"{PACK}-SMG4": "Broker keys are issued and rotated by the broker; the session secret is rewritten by "
    "the daily login, which is its rotation.",
    f"{PACK}-ECS2": "Only non-secret configuration is in environment variables; broker keys are injected "
    "as ECS secrets and the daily session is read from Secrets Manager by the running service.",
    f"{PACK}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]":
    "The readiness check runs in the private subnets so its egress-IP check sees the NAT's static "
    "address; AWS's VPC access policy only manages the function's own network interfaces and logs.",
}
CALLBACK_COG4 = (
    "The broker login callback is the broker's browser redirect (Kite request_token, Upstox code), which "
    "carries no Cognito token. The token is single-use and worthless without the app's API secret; the "
    "function stores a session only when the broker accepts it and, with KITE_USER_ID/UPSTOX_USER_ID set, "
    "only for that account. Every other method has the Cognito authorizer (tests/infrastructure)."
)
COMPUTE = {
    f"{PACK}-ECS2": "Only non-secret configuration (lake URI, Glue database) is in environment variables."
}


STAR = f"{PACK}-IAM5[Resource::*]"
STAR_REASONS = {
    "task-execution": "ecr:GetAuthorizationToken takes no resource ARN (only *); the execution role's "
    "other grants are the image repository and the task's own log group.",
    "state-machine": "CDK's Step Functions logging and X-Ray grants: logs:*LogDelivery, "
    "DescribeLogGroups/ResourcePolicies and xray:PutTraceSegments/GetSampling* take no resource ARN.",
}


def _acknowledge_star_per_resource(stack: cdk.Stack) -> None:
    """``Resource::*`` acknowledged on the policies that must have it, one by one, never per stack.

    Lambda functions keep their X-Ray grant in a policy of their own (acknowledged where it is made,
    :class:`cdk.constructs.python_function.PythonFunction`), so a ``*`` grant added to a function's
    role fails ``-c nag=1``.
    """
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_stepfunctions as sfn

    for construct in stack.node.find_all():
        role, kind = None, ""
        if isinstance(construct, ecs.TaskDefinition):
            role, kind = construct.execution_role, "task-execution"
        elif isinstance(construct, sfn.StateMachine):
            role, kind = construct.role, "state-machine"
        policy = role.node.try_find_child("DefaultPolicy") if role is not None else None
        if policy is not None:
            cdk.Validations.of(policy).acknowledge(cdk.Acknowledgment(id=STAR, reason=STAR_REASONS[kind]))


def iam5(*resources: str, actions: Iterable[str] = ()) -> list[str]:
    """Finding ids of IAM5 wildcards on ``resources`` and ``actions``."""
    return [f"{PACK}-IAM5[Resource::{r}]" for r in resources] + [f"{PACK}-IAM5[Action::{a}]" for a in actions]


def logical_ref(construct: IConstruct, attribute: str = "Arn") -> str:
    """How cdk-nag prints ``Fn::GetAtt`` of ``construct``'s resource: ``<LogicalId.Attribute>``."""
    stack = cdk.Stack.of(construct)
    return f"<{stack.resolve(stack.get_logical_id(construct.node.default_child))}.{attribute}>"  # type: ignore[arg-type]


def _stack_wildcards(stack: cdk.Stack, prefix: str) -> list[str]:
    lake = f"arn:<AWS::Partition>:s3:::{prefix}-lake-<AWS::AccountId>-{stack.region}"
    return iam5(f"{lake}/*", f"{lake}/runs/*", actions=S3_ACTIONS)


def _workflow_wildcards(stack: cdk.Stack, prefix: str) -> list[str]:
    arn = f"arn:<AWS::Partition>:{{}}:{stack.region}:<AWS::AccountId>:{{}}"
    fixed = [arn.format("states", f"execution:{prefix}-backtest{sep}*") for sep in (":", "/")]
    fixed += [
        arn.format("glue", f"table/vyapari_{prefix.removeprefix('vyapari-')}/*"),
        arn.format("ecs", f"task/{prefix}/*"),
        arn.format("ecs", f"task-definition/{prefix}-backtest:*"),
    ]
    functions = [f"{logical_ref(fn.function)}:*" for fn in getattr(stack, "functions", {}).values()]
    lake = f"arn:<AWS::Partition>:s3:::{prefix}-lake-<AWS::AccountId>-{stack.region}"
    writes = {p for fn in getattr(stack, "functions", {}).values() for p in fn.spec.lake_writes if p}
    results = f"{lake}/runs/map-results/*"  # the Distributed Map's ResultWriter
    return iam5(*fixed, *functions, results, *[f"{lake}/{p}*" for p in sorted(writes)])


def _live_wildcards(stack: cdk.Stack, prefix: str) -> list[str]:
    """The instrument snapshot's lake prefixes, the schedulers' invoke (fn:*) and the WebSocket posts."""
    from cdk.stacks.live import INSTRUMENT_PREFIXES

    lake = f"arn:<AWS::Partition>:s3:::{prefix}-lake-<AWS::AccountId>-{stack.region}"
    stage = prefix.removeprefix("vyapari-")
    connections = (f"arn:<AWS::Partition>:execute-api:{stack.region}:<AWS::AccountId>:{prefix}-ws-api-id/"
                   f"{stage}/POST/@connections/*")
    jobs = getattr(stack, "preopen", {}).values()
    return iam5(*[f"{lake}/{p}*" for p in INSTRUMENT_PREFIXES], connections,
                *[f"{logical_ref(job.function.function)}:*" for job in jobs])


def _api_wildcards(stack: cdk.Stack, prefix: str) -> list[str]:
    ws_api = getattr(stack, "ws_api", None)
    if ws_api is None:
        return []
    stage = prefix.removeprefix("vyapari-")
    ref = f"<{stack.resolve(stack.get_logical_id(ws_api.node.default_child))}>"
    return iam5(
        f"arn:<AWS::Partition>:execute-api:{stack.region}:<AWS::AccountId>:{ref}/{stage}/*/@connections/*"
    )


def _resource_kind(construct: IConstruct, callback: IConstruct | None) -> str | None:
    """The rule family a CloudFormation resource's findings belong to (None: nothing acknowledged)."""
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_secretsmanager as secretsmanager

    kinds: list[tuple[type, str]] = [
        (iam.CfnPolicy, "IAM5"), (iam.CfnRole, "IAM4"), (lambda_.CfnFunction, "L1"),
        (ecs.CfnTaskDefinition, "ECS2"), (cognito.CfnUserPool, "COG8"), (apigw.CfnRestApi, "APIG2"),
        (apigw.CfnStage, "APIG3"), (apigwv2.CfnRoute, "APIG4"), (secretsmanager.CfnSecret, "SMG4"),
    ]
    if callback is not None and construct.node.path.startswith(callback.node.path + "/"):
        return "callback"
    return next((kind for cls, kind in kinds if isinstance(construct, cls)), None)


DASHBOARD = {
    f"{PACK}-CFR1": "The dashboard is for the operator's own users, who may travel; sign-in is Cognito with "
    "TOTP MFA, so a geo restriction adds no protection worth locking them out.",
    f"{PACK}-CFR2": "No WAF for a single-operator dashboard of static files (every API call is authorized by "
    "Cognito and throttled by API Gateway); a web ACL costs ~USD 6/month plus requests.",
    f"{PACK}-CFR4": "The distribution uses CloudFront's *.cloudfront.net certificate, whose viewer TLS "
    "policy CloudFront sets; a custom domain with an ACM certificate would allow TLSv1.2_2021.",
}
BUCKET_DEPLOYMENT = (
    "CDK's BucketDeployment custom resource (deploy time only): it reads the staged dashboard files from "
    "the CDK assets bucket (its objects, /*), writes and prunes the site bucket's objects (/*), and "
    "invalidates the distribution: cloudfront:CreateInvalidation/GetInvalidation take no resource ARN (*)."
)


def _acknowledge_dashboard(stack: cdk.Stack) -> None:
    """The dashboard's distribution and its deployment custom resource (:mod:`cdk.constructs.dashboard`)."""
    from cdk.constructs.dashboard import Dashboard

    dashboard = getattr(stack, "dashboard", None)
    if not isinstance(dashboard, Dashboard):  # the monitoring stack's is a CloudWatch dashboard
        return
    distribution = dashboard.distribution.node.default_child
    assert distribution is not None
    cdk.Validations.of(distribution).acknowledge(
        *[cdk.Acknowledgment(id=k, reason=v) for k, v in DASHBOARD.items()])
    site = logical_ref(dashboard.bucket)
    ids = [STAR, *iam5(f"arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-{stack.region}/*",
                       f"{site}/*", actions=S3_ACTIONS)]
    for child in stack.node.children:
        if child.node.id.startswith("Custom::CDKBucketDeployment"):
            policy = child.node.find_child("ServiceRole").node.find_child("DefaultPolicy")
            cdk.Validations.of(policy).acknowledge(
                *[cdk.Acknowledgment(id=i, reason=BUCKET_DEPLOYMENT) for i in ids])


def acknowledge_all(stacks: Mapping[str, cdk.Stack], prefix: str) -> None:
    """Acknowledge the accepted findings of the stage ``prefix`` (``vyapari-<stage>``), each on the
    resources it concerns (IAM5 wildcards on IAM policies, IAM4 on roles, L1 on functions, …), never on
    a whole stack; ``Resource::*`` only on the policies listed in :func:`_acknowledge_star_per_resource`
    and on each function's X-Ray policy."""
    extra = {
        "workflows": ({}, _workflow_wildcards),
        "api": (API, _api_wildcards),
        "live": (LIVE, _live_wildcards),
        "compute": (COMPUTE, None),
    }
    for name, stack in stacks.items():
        reasons, wildcards = extra.get(name, ({}, None))
        ids = _stack_wildcards(stack, prefix) + (wildcards(stack, prefix) if wildcards else [])
        rules = {**COMMON, **reasons, **dict.fromkeys(ids, WILDCARD_REASON)}
        callback = getattr(stack, "callback_method", None)
        for construct in stack.node.find_all():
            kind = _resource_kind(construct, callback)
            if kind == "callback":
                rules_here = {f"{PACK}-COG4": CALLBACK_COG4, f"{PACK}-APIG4": CALLBACK_COG4}
            elif kind is not None:
                rules_here = {k: v for k, v in rules.items() if k.startswith(f"{PACK}-{kind}")}
            else:
                continue
            if rules_here:
                cdk.Validations.of(construct).acknowledge(
                    *[cdk.Acknowledgment(id=k, reason=v) for k, v in rules_here.items()]
                )
        _acknowledge_star_per_resource(stack)
        _acknowledge_dashboard(stack)
