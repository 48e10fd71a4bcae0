"""Monitoring: one CloudWatch dashboard and the alarms that page (through one SNS topic).

Custom metrics are EMF in the ``vyapari`` namespace with the ``service`` dimension. Workflow functions
use Powertools (``functions/shared/powertools.py``). The live service (``vyapari-live``) writes the sdk's
names with :class:`vyapari.live.ports.EmfMetrics`: ``orders_total`` (by ``side``),
``order_rejects_total`` (by ``reason``), ``fills_total``, ``order_latency_seconds``, ``pnl_inr``
(rupees), ``daily_loss_breaches_total``, ``kill_switch_total``, ``ready`` (its own pre-open check). The
weekly evaluation emits ``WeeklyBadge`` (0 red, 1 amber, 2 green) with a ``strategy`` dimension.
Pre-open: ``vyapari-readiness`` emits ``ready`` (0/1) and one metric per failed check's error name
(``SessionExpired``, ``IngestionMissing`` …); ``vyapari-instruments`` emits
``instruments_snapshot_failed`` and ``instruments_rows``.
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
LIVE, READINESS, INSTRUMENTS = "vyapari-live", "vyapari-readiness", "vyapari-instruments"


def search(name: str, service: str, dimension: str, statistic: str, period_s: int) -> cw.MathExpression:
    """Every series of metric ``name`` of ``service`` split by ``dimension`` (e.g. orders by side)."""
    return cw.MathExpression(
        expression=f"SEARCH('{{{METRICS_NAMESPACE},{dimension},service}} MetricName=\"{name}\" "
        f"service=\"{service}\"', '{statistic}', {period_s})",
        label="",
        period=Duration.seconds(period_s),
    )


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
        self._preopen_widgets(live)

    def _alarm(
        self,
        key: str,
        metric: cw.Metric | cw.MathExpression,
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
            custom("daily_loss_breaches_total", LIVE),
            f"The live service breached the daily loss limit (INR {self.config.daily_loss_limit_inr})",
        )
        self._alarm(
            "fills-upload-failed",
            custom("fills_upload_errors_total", LIVE),
            "The live service could not copy the day's fills log to the lake (retried every round)",
        )
        self._alarm(
            "early-fill-failed",
            custom("early_fill_errors_total", LIVE),
            "Paper fills at opening trades failed (a bug); their trades are booked at reconciliation",
        )
        self._alarm(
            "kill-switch-unread",
            custom("kill_switch_read_errors_total", LIVE),
            "The live service could not read the kill switch from the order store (it acts on the last read)",
        )
        self._preopen_alarms(live)

    def _preopen_alarms(self, live: LiveStack) -> None:
        self._alarm(
            "not-ready",
            custom("ready", READINESS, "Minimum"),
            "The pre-open readiness check failed: see the dashboard's report (failed checks by name)",
            threshold=1,
            comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        )
        self._alarm(
            "instruments-snapshot-failed",
            custom("instruments_snapshot_failed", INSTRUMENTS),
            "Today's instrument snapshot was not published (yesterday's stays live)",
        )
        errors = {
            f"e{n}": job.function.function.metric_errors(period=FIVE_MINUTES, statistic="Sum")
            for n, job in enumerate(live.preopen.values())
        }
        self._alarm(
            "preopen-errors",
            cw.MathExpression(expression=" + ".join(errors), using_metrics=errors, period=FIVE_MINUTES),
            "A pre-open function (instrument snapshot, readiness check) failed or crashed",
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
                title="Orders sent (by side) and refused (by reason)",
                left=[search("orders_total", LIVE, "side", "Sum", 300)],
                right=[search("order_rejects_total", LIVE, "reason", "Sum", 300)],
                width=8,
            ),
            graph(
                title="Order latency (s)",
                left=[custom("order_latency_seconds", LIVE, "p90")],
                width=8,
            ),
            graph(title="Live P&L (INR)", left=[custom("pnl_inr", LIVE, "Average")], width=8),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Latest weekly badge per strategy (2 green, 1 amber, 0 red)",
                left=[badge],
                width=24,
                view=cw.GraphWidgetView.BAR,
            )
        )

    def _preopen_widgets(self, live: LiveStack) -> None:
        """Readiness (ready, failed checks by error name, the latest reports) and instrument snapshots."""
        failures = cw.MathExpression(
            expression=f"SEARCH('{{{METRICS_NAMESPACE},service}} service=\"{READINESS}\" "
            "NOT MetricName=\"ready\" NOT MetricName=\"ColdStart\"', 'Sum', 86400)",
            label="",
            period=Duration.days(1),
        )
        ready = live.preopen["readiness_check"].function.log_group
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Pre-open readiness (1 ready, 0 not) and failed checks by error",
                left=[custom("ready", READINESS, "Minimum")],
                right=[failures],
                width=8,
            ),
            cw.GraphWidget(
                title="Instrument snapshots: failures and rows",
                left=[custom("instruments_snapshot_failed", INSTRUMENTS)],
                right=[custom("instruments_rows", INSTRUMENTS, "Maximum")],
                width=8,
            ),
            cw.LogQueryWidget(
                title="Latest readiness reports",
                log_group_names=[ready.log_group_name],
                query_lines=[
                    "fields @timestamp, report.ready as ready, report.session_date as session, "
                    "report.errors.0 as first_error, report.failed as failed",
                    "filter ispresent(report.ready)",
                    "sort @timestamp desc",
                    "limit 10",
                ],
                width=8,
            ),
        )
