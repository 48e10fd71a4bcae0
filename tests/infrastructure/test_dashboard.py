"""The dashboard in AWS (:mod:`cdk.constructs.dashboard`): the static app on S3 behind CloudFront with an
origin access control, HTTPS only and security headers; sign-in through Cognito's hosted UI with the
code flow (PKCE, public client, no implicit flow); the distribution's URL in the REST API's CORS and
as an output; ``config.json`` written at deploy with the real URLs and ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdk.package_check import ours
from tests.infrastructure.conftest import CDK_PROVIDED, Synthesized

DISTRIBUTION_DOMAIN = '"Fn::GetAtt": ["DashboardDistribution'


def _one(synth: Synthesized, resource_type: str, stack: str = "api") -> tuple[str, dict[str, Any]]:
    resources = synth.json(stack)["Resources"].items()
    found = [(k, v["Properties"]) for k, v in resources if v["Type"] == resource_type]
    assert len(found) == 1, [k for k, _ in found]
    return found[0]


def _joined(value: Any) -> str:
    """A CloudFormation string value with ``Fn::Join`` resolved and ``Ref``s written ``${Name}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_joined(p) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    raise AssertionError(f"unexpected template value {value!r}")


def _distribution(synth: Synthesized) -> dict[str, Any]:
    return dict(_one(synth, "AWS::CloudFront::Distribution")[1]["DistributionConfig"])


def test_the_site_bucket_is_private_and_read_through_an_origin_access_control(synth: Synthesized) -> None:
    oac_id, oac = _one(synth, "AWS::CloudFront::OriginAccessControl")
    signing = {"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"}
    assert oac["OriginAccessControlConfig"] == {**oac["OriginAccessControlConfig"], **signing}
    (origin,) = _distribution(synth)["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""  # no legacy OAI
    site = json.dumps(origin["DomainName"])
    assert "DashboardSite" in site
    buckets = {k: v for k, v in synth.resources("AWS::S3::Bucket").items() if "/DashboardSite" in k}
    (bucket,) = buckets.values()
    blocked = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert blocked == dict.fromkeys(("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                                     "RestrictPublicBuckets"), True)
    policies = [p["Properties"]["PolicyDocument"]["Statement"]
                for p in synth.resources("AWS::S3::BucketPolicy").values()
                if "DashboardSite" in json.dumps(p["Properties"]["Bucket"])]
    (statements,) = policies
    reads = [s for s in statements if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}]
    assert len(reads) == 1 and reads[0]["Action"] == "s3:GetObject" and reads[0]["Effect"] == "Allow"
    source = reads[0]["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert "DashboardDistribution" in json.dumps(source)  # only this distribution may read
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in statements)


def test_viewers_are_redirected_to_https_and_get_security_headers(synth: Synthesized) -> None:
    config = _distribution(synth)
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"redirect-to-https"}
    policy_id, policy = _one(synth, "AWS::CloudFront::ResponseHeadersPolicy")
    assert {json.dumps(b["ResponseHeadersPolicyId"]) for b in behaviors} == {json.dumps({"Ref": policy_id})}
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    csp = _joined(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "default-src 'self'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "wss://*.execute-api.ap-south-1.amazonaws.com" in csp
    assert config["DefaultRootObject"] == "index.html" and config["Logging"]["Prefix"] == "cloudfront/"
    config_json = [b for b in behaviors if b.get("PathPattern") == "/config.json"]
    assert len(config_json) == 1  # never cached: a redeploy's URLs are seen at once


def test_the_dashboard_client_uses_the_code_flow_with_pkce_only(synth: Synthesized) -> None:
    clients = {k: v["Properties"] for k, v in synth.resources("AWS::Cognito::UserPoolClient").items()}
    (client,) = [c for c in clients.values() if c.get("ClientName") == "vyapari-dev-dashboard"]
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit flow; the SPA sends PKCE
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert not client.get("GenerateSecret", False)  # public: a browser cannot keep a secret
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    for urls in (client["CallbackURLs"], client["LogoutURLs"]):
        assert DISTRIBUTION_DOMAIN in json.dumps(urls[0]) and json.dumps(urls[0]).endswith('"/"]]}')
    for other in clients.values():
        assert "implicit" not in other.get("AllowedOAuthFlows", [])
    _, domain = _one(synth, "AWS::Cognito::UserPoolDomain")
    assert "vyapari-dev" in json.dumps(domain["Domain"])  # the hosted UI the dashboard signs in on


def test_the_distribution_url_is_in_the_rest_apis_cors_and_an_output(synth: Synthesized) -> None:
    api = synth.json("api")
    functions = [r["Properties"] for r in api["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
                 and "VYAPARI_CORS_ORIGINS" in r["Properties"].get("Environment", {}).get("Variables", {})]
    assert len(functions) >= 2  # the light API and the login function
    for props in functions:
        assert DISTRIBUTION_DOMAIN in json.dumps(props["Environment"]["Variables"]["VYAPARI_CORS_ORIGINS"])
    preflights = [m for m in synth.resources("AWS::ApiGateway::Method").values()
                  if m["Properties"]["HttpMethod"] == "OPTIONS"]
    assert preflights
    for method in preflights:
        integration = method["Properties"]["Integration"]
        assert integration["Type"] == "MOCK"  # answered by API Gateway, never a function
        origin = integration["IntegrationResponses"][0]["ResponseParameters"][
            "method.response.header.Access-Control-Allow-Origin"]
        assert DISTRIBUTION_DOMAIN in json.dumps(origin)
    responses = [r["Properties"] for r in api["Resources"].values()
                 if r["Type"] == "AWS::ApiGateway::GatewayResponse"]
    assert {r["ResponseType"] for r in responses} >= {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses:
        assert DISTRIBUTION_DOMAIN in json.dumps(response["ResponseParameters"])
    output = api["Outputs"]["DashboardUrl"]["Value"]
    assert DISTRIBUTION_DOMAIN in json.dumps(output) and output["Fn::Join"][1][0] == "https://"


def test_config_json_is_written_at_deploy_with_the_real_urls_and_ids(synth: Synthesized) -> None:
    _, deployment = _one(synth, "Custom::CDKBucketDeployment")
    assert deployment["Prune"] is True and "DashboardSite" in json.dumps(deployment["DestinationBucketName"])
    assert "DashboardDistribution" in json.dumps(deployment["DistributionId"])  # invalidated at deploy
    static_key, vendor_key, config_key = deployment["SourceObjectKeys"]
    staged = Path(synth.outdir) / f"asset.{config_key.removesuffix('.zip')}" / "config.json"
    text = staged.read_text(encoding="utf-8")
    markers = deployment["SourceMarkers"][2]
    for marker in markers:
        text = text.replace(marker, json.dumps(marker))  # markers are replaced with values at deploy
    document = json.loads(text)
    assert document["auth"] == "cognito"
    assert set(document) == {"auth", "api_url", "ws_url", "cognito"}
    assert set(document["cognito"]) == {"domain", "client_id", "redirect_uri"}
    values = {key: json.dumps(markers[document[key]]) for key in ("api_url", "ws_url")}
    values |= {key: json.dumps(markers[document["cognito"][key]]) for key in document["cognito"]}
    assert "RestApi" in values["api_url"] and "execute-api" in values["api_url"]
    assert "WebSocketApi" in values["ws_url"] and "wss://" in values["ws_url"]
    assert "UsersSignInDomain" in values["domain"] and "amazoncognito.com" in values["domain"]
    assert "DashboardClient" in values["client_id"]
    assert DISTRIBUTION_DOMAIN in values["redirect_uri"]
    static = Path(synth.outdir) / f"asset.{static_key.removesuffix('.zip')}"
    assert static.is_dir() and not (static / ".keep").exists()  # the app's files, placeholder left out
    vendor = Path(synth.outdir) / f"asset.{vendor_key.removesuffix('.zip')}" / "assets" / "plotly.min.js"
    assert vendor.stat().st_size > 1_000_000  # the charts' library, which the app loads from assets/


def test_the_only_function_not_ours_is_cdks_deployment_handler(synth: Synthesized) -> None:
    """Every other function is checked by the other tests and by make package-check."""
    every = [(k, v) for name in synth.templates for k, v in synth.json(name)["Resources"].items()]
    foreign = {k: v["Properties"] for k, v in every if v["Type"] == "AWS::Lambda::Function"
               and not ours(v["Properties"])}
    assert len(foreign) == 1, sorted(foreign)
    ((logical_id, props),) = foreign.items()
    assert logical_id.startswith(CDK_PROVIDED) and props["Handler"] == "index.handler"
    _, deployment = _one(synth, "Custom::CDKBucketDeployment")
    assert logical_id in json.dumps(deployment["ServiceToken"])


def test_the_app_may_frame_only_the_private_lake_where_tear_sheet_links_point(synth: Synthesized) -> None:
    """The Run page frames a presigned GET of the run's report.html in the lake bucket
    (``GET /strategy-runs/{id}/report-link``): the CSP's ``frame-src`` is exactly that bucket's regional
    origin, and the lake stays private (public access blocked, no public read in its policy)."""
    _, policy = _one(synth, "AWS::CloudFront::ResponseHeadersPolicy")
    csp = _joined(policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"][
        "ContentSecurityPolicy"])
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}
    lake = "vyapari-dev-lake-${AWS::AccountId}-ap-south-1"
    assert directives["frame-src"] == [f"https://{lake}.s3.ap-south-1.amazonaws.com"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["default-src"] == ["'self'"]
    (bucket,) = [r["Properties"] for k, r in synth.resources("AWS::S3::Bucket").items()
                 if k.startswith("data/") and _joined(r["Properties"].get("BucketName", "")) == lake]
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True)
    for found in synth.resources("AWS::S3::BucketPolicy").values():
        for statement in found["Properties"]["PolicyDocument"]["Statement"]:
            assert not (statement["Effect"] == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"}))
    # the API function signs the links with its own read of the lake
    statements = [s for k, p in synth.resources("AWS::IAM::Policy").items() if k.startswith("api/ApiFunction")
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    reads = [s for s in statements if "s3:GetObject*" in s["Action"]]
    objects = f"arn:${{AWS::Partition}}:s3:::{lake}/*"
    assert any(objects in [_joined(r) for r in s["Resource"]] for s in reads), reads
