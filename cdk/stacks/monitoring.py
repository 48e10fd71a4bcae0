"""Monitoring: one CloudWatch dashboard and the alarms that page (through one SNS topic).

Custom metrics are Powertools EMF in the ``vyapari`` namespace with the ``service`` dimension
(``functions/shared/powertools.py``). Live-side names (``vyapari-live``) are the contract for the live
service: ``OrdersPlaced``, ``OrdersRejected`` (Count), ``OrderLatencyMs`` (Milliseconds),
``LivePnlInr`` (None, rupees), ``DailyLossLimitBreached`` (Count); the weekly evaluation emits
``WeeklyBadge`` (0 red, 1 amber, 2 green) with a ``strategy`` dimension.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs

from cdk.config import StageConfig
from cdk.constructs.python_function import METRICS_NAMESPACE
from cdk.stacks.api import ApiStack
from cdk.stacks.live import LiveStack
from cdk.stacks.workflows import WorkflowsStack
from constructs import Construct

FIVE_MINUTES = Duration.minutes(5)


def custom(name: str, service: str = "vyapari-workflows", statistic: str = "Sum") -> cw.Metric:
    """A Powertools EMF metric of ``service``."""
    return cw.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service},
        statistic=statistic,
        period=FIVE_MINUTES,
    )


class MonitoringStack(Stack):
    """Exposes ``topic``, ``dashboard`` and ``alarms`` (by short name)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        workflows: WorkflowsStack,
        api: ApiStack,
        live: LiveStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.config = config
        self.topic = sns.Topic(self, "Alarms", display_name=f"{config.prefix} alarms", enforce_ssl=True)
        if config.alarm_email:
            self.topic.add_subscription(subs.EmailSubscription(config.alarm_email))
        self.alarms: dict[str, cw.Alarm] = {}
        self._alarms(workflows, api, live)
        self.dashboard = cw.Dashboard(
            self, "Dashboard", dashboard_name=f"{config.prefix}-overview", default_interval=Duration.days(7)
        )
        self._widgets(workflows, api)

    def _alarm(
        self,
        key: str,
        metric: cw.Metric,
        description: str,
        *,
        threshold: float = 1,
        comparison: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: cw.TreatMissingData = cw.TreatMissingData.NOT_BREACHING,
    ) -> None:
        alarm = metric.create_alarm(
            self,
            f"{key}Alarm",
            alarm_name=f"{self.config.prefix}-{key}",
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms[key] = alarm

    def _alarms(self, workflows: WorkflowsStack, api: ApiStack, live: LiveStack) -> None:
        for name, machine in workflows.machines.items():
            self._alarm(
                f"{name.replace('_', '-')}-failed",
                machine.state_machine.metric_failed(period=FIVE_MINUTES, statistic="Sum"),
                f"The {name} workflow failed",
            )
        self._alarm(
            "ingestion-rejected",
            custom("WorkflowFailuresQuarantined"),
            "An ingestion step was rejected and quarantined (see quarantine/ in the lake)",
        )
        self._alarm(
            "api-5xx",
            api.rest_api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            "The REST API returned 5xx responses",
        )
        running = cw.Metric(
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            dimensions_map={
                "ClusterName": live.service.cluster.cluster_name,
                "ServiceName": live.service.service_name,
            },
            statistic="Minimum",
            period=Duration.minutes(1),
        )
        self._alarm(
            "live-down",
            running,
            "The live trading service has no running task",
            threshold=1,
            comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cw.TreatMissingData.BREACHING
            if self.config.live_desired_count
            else cw.TreatMissingData.NOT_BREACHING,
        )
        self._alarm(
            "daily-loss-limit",
            custom("DailyLossLimitBreached", "vyapari-live"),
            f"The live service breached the daily loss limit (INR {self.config.daily_loss_limit_inr})",
        )

    def _widgets(self, workflows: WorkflowsStack, api: ApiStack) -> None:
        machines = workflows.machines
        badge = cw.MathExpression(
            expression=f"SEARCH('{{{METRICS_NAMESPACE},service,strategy}} MetricName=\"WeeklyBadge\"', "
            "'Maximum', 604800)",
            label="",
            period=Duration.days(7),
        )
        graph = cw.GraphWidget
        self.dashboard.add_widgets(
            graph(
                title="Ingestion: rows, bars, files",
                left=[custom("RowsIngested"), custom("MinuteBarsWritten"), custom("FilesDownloaded")],
                width=12,
            ),
            graph(
                title="Ingestion rejections (quarantined)",
                left=[custom("WorkflowFailuresQuarantined")],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            graph(
                title="Workflow successes",
                left=[
                    m.state_machine.metric_succeeded(label=n, statistic="Sum") for n, m in machines.items()
                ],
                width=8,
            ),
            graph(
                title="Workflow failures",
                left=[m.state_machine.metric_failed(label=n, statistic="Sum") for n, m in machines.items()],
                width=8,
            ),
            graph(
                title="Workflow durations (ms)",
                left=[m.state_machine.metric_time(label=n, statistic="Average") for n, m in machines.items()],
                width=8,
            ),
        )
        item = workflows.functions["RunBacktestItemFunctionArn"].function
        self.dashboard.add_widgets(
            graph(
                title="Backtest durations (ms)",
                left=[
                    machines["backtest"].state_machine.metric_time(label="backtest run", statistic="p90"),
                    item.metric_duration(label="work item (Lambda)", statistic="p90"),
                ],
                width=12,
            ),
            graph(
                title="API latency (ms) and errors",
                left=[
                    api.rest_api.metric_latency(statistic="p90"),
                    api.rest_api.metric_integration_latency(statistic="p90"),
                ],
                right=[
                    api.rest_api.metric_server_error(statistic="Sum"),
                    api.rest_api.metric_client_error(statistic="Sum"),
                ],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            graph(
                title="Orders placed and rejected",
                left=[custom("OrdersPlaced", "vyapari-live"), custom("OrdersRejected", "vyapari-live")],
                width=8,
            ),
            graph(
                title="Order latency (ms)", left=[custom("OrderLatencyMs", "vyapari-live", "p90")], width=8
            ),
            graph(title="Live P&L (INR)", left=[custom("LivePnlInr", "vyapari-live", "Average")], width=8),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Latest weekly badge per strategy (2 green, 1 amber, 0 red)",
                left=[badge],
                width=24,
                view=cw.GraphWidgetView.BAR,
            )
        )
