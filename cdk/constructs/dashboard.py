"""The web dashboard in AWS: the static app on S3 behind CloudFront, signed in through Cognito's hosted UI.

* **Hosting**: a private bucket (S3-managed encryption, TLS only, no public access, access logs to a
  bucket of its own) read by CloudFront through an origin access control; viewers are redirected to
  HTTPS, and every response carries security headers (HSTS, CSP, frame, content-type and referrer
  policies) from a response headers policy. ``/`` serves ``index.html``. The CSP's ``frame-src`` is
  exactly the lake bucket's regional origin: the Run page frames a run's tear sheet through a
  short-lived presigned GET from ``/strategy-runs/{id}/report-link`` (the lake stays private).
* **Sign-in**: a public app client (no secret) for the single-page app with the authorization-code
  flow only (the app uses PKCE; no implicit flow), callback and sign-out URLs = the distribution's URL
  plus ``dashboardCallbackUrls`` / ``dashboardLogoutUrls`` from the stage configuration, on the pool's
  hosted UI domain.
* **Configuration**: ``config.json`` at the site root, written at deploy with the real URLs and ids:
  ``{"auth": "cognito", "api_url", "ws_url", "cognito": {"domain", "client_id", "redirect_uri"}}``.

The files come from ``sdk/vyapari/dashboard/static/`` (the same app ``vyapari api serve`` serves
locally); ``cdk synth`` only stages them (no Docker, no Node.js).
"""

from __future__ import annotations

import hashlib
import os
import pkgutil
import tempfile
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

from cdk.config import StageConfig
from cdk.constructs.python_function import retention
from constructs import Construct

STATIC = Path(__file__).resolve().parents[2] / "sdk" / "vyapari" / "dashboard" / "static"
PLOTLY = "plotly.min.js"  # served locally from the plotly package (vyapari.api.static); uploaded here


def _vendor_folder() -> str:
    """A folder holding ``assets/plotly.min.js`` from the installed plotly package (the bundle the
    local server serves), staged as its own asset so the repository never copies it."""
    bundle = pkgutil.get_data("plotly", f"package_data/{PLOTLY}")
    if bundle is None:
        raise RuntimeError(f"the plotly package has no package_data/{PLOTLY}")
    # one folder per bundle version, reused by every synth (a fresh temporary folder each time
    # would be left behind by each one); written under a temporary name, then renamed
    version = hashlib.sha256(bundle).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"vyapari-dashboard-vendor-{version}"
    target = folder / "assets" / PLOTLY
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{PLOTLY}.{os.getpid()}")
        partial.write_bytes(bundle)
        partial.replace(target)
    return str(folder)
# The app loads its own scripts and styles (no CDN) and talks to the REST and WebSocket APIs and to the
# Cognito token endpoint; plotly.js sets inline styles on its charts.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self' https://*.execute-api.{region}.amazonaws.com "
       "wss://*.execute-api.{region}.amazonaws.com https://*.amazoncognito.com; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self' https://*.amazoncognito.com; object-src 'none'; "
       "frame-src {report_origin}")


class Dashboard(Construct):
    """The dashboard of one stage; exposes ``bucket``, ``distribution``, ``url`` (``https://<domain>/``),
    ``client`` (the SPA's Cognito app client) and, after :meth:`deploy`, ``deployment``.

    ``report_origin`` is ``https://<lake bucket>.s3.<region>.amazonaws.com``: where the presigned
    tear-sheet links point (the only origin the app may frame)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig,
                 user_pool: cognito.IUserPool, domain: cognito.UserPoolDomain, report_origin: str) -> None:
        super().__init__(scope, construct_id)
        self.config, self.domain = config, domain
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        # The site bucket's and the distribution's access logs (CloudFront's standard logs need ACLs).
        self.access_logs = s3.Bucket(
            self, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, removal_policy=removal,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
        )
        self.bucket = s3.Bucket(
            self, "Site", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, versioned=True,
            server_access_logs_bucket=self.access_logs, server_access_logs_prefix="site/",
            removal_policy=removal,
        )
        self.headers = cloudfront.ResponseHeadersPolicy(
            self, "SecurityHeaders",
            comment=f"{config.prefix} dashboard security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, preload=True,
                    override=True),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=CSP.format(region=config.region, report_origin=report_origin),
                    override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(
                    protection=True, mode_block=True, override=True),
            ),
        )
        origin = origins.S3BucketOrigin.with_origin_access_control(self.bucket)  # one OAC, signed sigv4
        self.distribution = cloudfront.Distribution(
            self, "Distribution",
            comment=f"{config.prefix} dashboard",
            default_root_object="index.html",
            enable_logging=True, log_bucket=self.access_logs, log_file_prefix="cloudfront/",
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes India's edge locations
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
            ),
            additional_behaviors={"/config.json": cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,  # a redeploy changes it at once
                response_headers_policy=self.headers,
            )},
        )
        self.url = f"https://{self.distribution.distribution_domain_name}/"
        callbacks = [self.url, *config.url_list(config.dashboard_callback_urls)]
        logouts = [self.url, *config.url_list(config.dashboard_logout_urls)]
        # A public client (no secret): a browser cannot keep one. Code flow only; the app sends PKCE.
        self.client = user_pool.add_client(
            "DashboardClient",
            user_pool_client_name=f"{config.prefix}-dashboard",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=callbacks,
                logout_urls=logouts,
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
            prevent_user_existence_errors=True,
        )

    def deploy(self, api_url: str, ws_url: str) -> s3deploy.BucketDeployment:
        """Upload the static app and its ``config.json`` (the deployed URLs and ids); invalidates the
        distribution so a redeploy is seen at once."""
        config_json = {
            "auth": "cognito",
            "api_url": api_url,
            "ws_url": ws_url,
            "cognito": {
                "domain": self.domain.base_url(),
                "client_id": self.client.user_pool_client_id,
                "redirect_uri": self.url,
            },
        }
        self.config_json = config_json
        self.deployment = s3deploy.BucketDeployment(
            self, "Files",
            destination_bucket=self.bucket,
            sources=[s3deploy.Source.asset(str(STATIC), exclude=[".keep"]),
                     s3deploy.Source.asset(_vendor_folder()),
                     s3deploy.Source.json_data("config.json", config_json)],
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            memory_limit=256,
            log_group=logs.LogGroup(self, "FilesLogs", retention=retention(self.config.log_retention_days),
                                    removal_policy=RemovalPolicy.DESTROY),
        )
        return self.deployment
