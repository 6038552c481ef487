"""IBM's own Python SDKs against the apiflow sandbox.

Run by .ci/sdk-compat in a virtual environment with ibm-cloud-sdk-core, ibm-platform-services
and ibm-scc==3.0.0. Starts `apiflow sandbox` itself (the binary path is the first argument),
drives it with the SDKs, parses every response with the SDKs' own model classes, and prints
"N passed, N failed".
"""

import re
import subprocess
import sys
import traceback

from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_cloud_sdk_core import ApiException
from ibm_platform_services import IamIdentityV1
from ibm_platform_services.iam_identity_v1 import ApiKey, ApiKeyList
from ibm_scc.configuration_governance_v1 import (
    ConfigurationGovernanceV1,
    CreateRuleRequest,
    CreateRulesResponse,
    EnforcementAction,
    Rule,
    RuleList,
    RuleRequest,
    RuleRequiredConfigSingleProperty,
    TargetResource,
)

BINARY = sys.argv[1]
RESULTS = {"passed": 0, "failed": 0}


def check(name, fn):
    try:
        fn()
        RESULTS["passed"] += 1
        print(f"ok   {name}")
    except Exception:  # noqa: BLE001 - every failure is reported, then counted
        RESULTS["failed"] += 1
        print(f"FAIL {name}")
        traceback.print_exc()


def start_sandbox():
    proc = subprocess.Popen(
        [BINARY, "sandbox", "--addr", "127.0.0.1:0", "--token-ttl", "1h"],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = key = None
    for line in proc.stdout:
        m = re.match(r"apiflow sandbox listening on (\S+)", line)
        if m:
            url = m.group(1)
        m = re.match(r"api key \(generated\): (\S+)", line)
        if m:
            key = m.group(1)
            break
    return proc, url, key


def main():
    proc, url, key = start_sandbox()
    try:
        run(url, key)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


def run(url, key):
    auth = IAMAuthenticator(key, url=url)
    state = {}

    def token_is_fetched_and_reused():
        manager = auth.token_manager
        first = manager.get_token()
        assert first.count(".") == 2
        assert manager.get_token() == first, "a valid token is reused"
        state["token"] = first

    check("IAMAuthenticator gets and reuses a token", token_is_fetched_and_reused)

    iam = IamIdentityV1(authenticator=auth)
    iam.set_service_url(url)

    def details():
        resp = iam.get_api_keys_details(iam_api_key=key).get_result()
        ApiKey.from_dict(resp)
        state["account_id"] = resp["account_id"]
        state["iam_id"] = resp["iam_id"]

    check("IamIdentityV1 reads API key details", details)

    def api_key_lifecycle():
        created = iam.create_api_key(name="sdk-key", iam_id=state["iam_id"], account_id=state["account_id"], description="from the SDK").get_result()
        model = ApiKey.from_dict(created)
        assert model.apikey and len(model.apikey) >= 32
        got = iam.get_api_key(id=model.id)
        ApiKey.from_dict(got.get_result())
        etag = got.get_headers()["Etag"]
        updated = iam.update_api_key(id=model.id, if_match=etag, name="sdk-key-renamed").get_result()
        assert ApiKey.from_dict(updated).name == "sdk-key-renamed"
        listed = iam.list_api_keys(account_id=state["account_id"], pagesize=1).get_result()
        page = ApiKeyList.from_dict(listed)
        assert len(page.apikeys) == 1 and page.next
        # The new key can itself get tokens.
        IAMAuthenticator(model.apikey, url=url).token_manager.get_token()
        assert iam.delete_api_key(id=model.id).get_status_code() == 204
        try:
            IAMAuthenticator(model.apikey, url=url).token_manager.get_token()
            raise AssertionError("a deleted key got a token")
        except ApiException as e:
            assert e.code == 400 and "BXNIM0415E" in str(e.http_response.text), e

    check("IamIdentityV1 creates, reads, lists, updates and deletes API keys", api_key_lifecycle)

    scc = ConfigurationGovernanceV1(authenticator=auth)
    scc.set_service_url(url)

    def rule_lifecycle():
        rule = RuleRequest(
            account_id=state["account_id"],
            name="sdk rule",
            description="buckets must not be public",
            rule_type="user_defined",
            target=TargetResource(service_name="cloud-object-storage", resource_kind="bucket"),
            required_config=RuleRequiredConfigSingleProperty(property="public_access_enabled", operator="is_false"),
            enforcement_actions=[EnforcementAction(action="audit_log")],
            labels=["sdk"],
        )
        created = scc.create_rules(rules=[CreateRuleRequest(request_id="r1", rule=rule)], transaction_id="sdk-tx").get_result()
        response = CreateRulesResponse.from_dict(created)
        rule_id = response.rules[0].rule.rule_id
        got = scc.get_rule(rule_id=rule_id)
        Rule.from_dict(got.get_result())
        etag = got.get_headers()["Etag"]
        listed = RuleList.from_dict(scc.list_rules(account_id=state["account_id"], limit=10, offset=0).get_result())
        assert listed.total_count >= 1 and any(r.rule_id == rule_id for r in listed.rules)
        updated = scc.update_rule(
            rule_id=rule_id,
            if_match=etag,
            name="sdk rule 2",
            description="updated",
            target=TargetResource(service_name="cloud-object-storage", resource_kind="bucket"),
            required_config=RuleRequiredConfigSingleProperty(property="public_access_enabled", operator="is_false"),
            enforcement_actions=[EnforcementAction(action="disallow")],
            account_id=state["account_id"],
            rule_type="user_defined",
        ).get_result()
        assert Rule.from_dict(updated).name == "sdk rule 2"
        try:
            scc.update_rule(
                rule_id=rule_id,
                if_match="BOGUS_ETAG",
                name="x",
                description="x",
                target=TargetResource(service_name="s", resource_kind="k"),
                required_config=RuleRequiredConfigSingleProperty(property="p", operator="is_true"),
                enforcement_actions=[],
            )
            raise AssertionError("a bogus If-Match was accepted")
        except ApiException as e:
            assert e.code == 400, e
        assert scc.delete_rule(rule_id=rule_id).get_status_code() == 204
        try:
            scc.get_rule(rule_id=rule_id, transaction_id="sdk-404")
            raise AssertionError("a deleted rule was found")
        except ApiException as e:
            assert e.code == 404 and "not found" in str(e).lower(), e

    check("ConfigurationGovernanceV1 creates, lists, reads, updates and deletes rules", rule_lifecycle)


if __name__ == "__main__":
    sys.exit(main())
