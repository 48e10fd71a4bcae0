"""Per-stage configuration from the context."""

from __future__ import annotations

import pytest
from aws_cdk import App
from cdk.app import cdk_json_context
from cdk.config import load_config


def test_prod_stage_reads_its_values_and_command_line_overrides_win() -> None:
    app = App(context={**cdk_json_context(), "stage": "prod", "liveDesiredCount": "0"})
    config = load_config(app.node)
    assert (config.stage, config.log_retention_days, config.retain_data) == ("prod", 90, True)
    assert config.live_desired_count == 0
    assert config.stack_id("Api") == "Vyapari-prod-Api"
    assert config.require_broker_user_id  # a broker login in prod must name the owner's account
    assert not load_config(App(context={**cdk_json_context(), "stage": "dev"}).node).require_broker_user_id
    assert load_config(App(context={"stage": "prod"}).node).require_broker_user_id  # without cdk.json too


def test_unknown_stage_or_tickstore_is_refused() -> None:
    with pytest.raises(ValueError, match="stage"):
        load_config(App(context={"stage": "qa"}).node)
    with pytest.raises(ValueError, match="tickstore"):
        load_config(App(context={"tickstore": "redis"}).node)
