"""Compute shared by workflows and live trading: the VPC with ONE static egress address, the ECS cluster,
the container image (root ``Dockerfile``) and the Fargate backtest task definition.

Exchange rules require broker orders to come from a registered static IP: every task runs in private
subnets behind a single NAT gateway whose Elastic IP is printed as the ``EgressIp`` output.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, CfnTag, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs

from cdk.config import StageConfig
from cdk.constructs.image import image_asset_options
from cdk.constructs.python_function import retention
from cdk.stacks.data import DataRefs, DataStack
from constructs import Construct

BACKTEST_CONTAINER = "backtest"
BACKTEST_COMMAND = ["python", "-m", "functions.run_backtest_task"]
class ComputeStack(Stack):
    """Exposes ``vpc``, ``cluster``, ``image``, ``tasks_security_group``, ``backtest_task``, ``egress_ip``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, data: DataStack, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        refs = data.refs(self)
        self.config = config
        self.backtest_family = f"{config.prefix}-backtest"
        self.vpc = self._vpc()
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=self.vpc,
            cluster_name=config.prefix,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        self.tasks_security_group = ec2.SecurityGroup(
            self,
            "TasksSecurityGroup",
            vpc=self.vpc,
            allow_all_outbound=True,
            description="vyapari Fargate tasks: no inbound; outbound through the NAT static IP",
        )
        self.image = ecr_assets.DockerImageAsset(self, "Image", **image_asset_options())  # type: ignore[arg-type]
        self.backtest_task = self._backtest_task(refs)

    def _vpc(self) -> ec2.Vpc:
        self.eip = ec2.CfnEIP(
            self, "EgressEip", domain="vpc", tags=[CfnTag(key="Name", value=f"{self.config.prefix}-egress")]
        )
        self.eip.apply_removal_policy(
            RemovalPolicy.RETAIN if self.config.retain_data else RemovalPolicy.DESTROY
        )
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=1,
            nat_gateway_provider=ec2.NatProvider.gateway(eip_allocation_ids=[self.eip.attr_allocation_id]),
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
                ),
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDB": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
        )
        flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=retention(self.config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        self.egress_ip = self.eip.attr_public_ip
        CfnOutput(
            self,
            "EgressIp",
            value=self.egress_ip,
            description="Static egress IP of the live service: register it with your broker",
        )
        return vpc

    def _backtest_task(self, data: DataRefs) -> ecs.FargateTaskDefinition:
        task = ecs.FargateTaskDefinition(
            self,
            "BacktestTask",
            cpu=self.config.backtest_cpu,
            family=self.backtest_family,
            memory_limit_mib=self.config.backtest_memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        task.add_container(
            BACKTEST_CONTAINER,
            container_name=BACKTEST_CONTAINER,
            image=ecs.ContainerImage.from_docker_image_asset(self.image),
            entry_point=BACKTEST_COMMAND,  # the image's entrypoint is the vyapari CLI; this task is not
            environment={
                "LAKE_URI": data.lake_uri,
                "GLUE_DATABASE": data.glue_database_name,
                "TICKSTORE": self.config.tickstore,
            },
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="backtest",
                log_group=logs.LogGroup(
                    self,
                    "BacktestLogs",
                    retention=retention(self.config.log_retention_days),
                    removal_policy=RemovalPolicy.DESTROY,
                ),
            ),
            readonly_root_filesystem=False,
        )
        data.lake.grant_read_write(task.task_role)
        return task

    @property
    def private_subnet_type(self) -> ec2.SubnetType:
        """The subnet type of every task (private, egress through the NAT)."""
        return ec2.SubnetType.PRIVATE_WITH_EGRESS

    @property
    def private_subnet_ids(self) -> list[str]:
        """Ids of the private (NAT egress) subnets."""
        return [s.subnet_id for s in self.vpc.private_subnets]
