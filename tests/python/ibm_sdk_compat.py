"""IBM's own Python SDKs against the apiflow sandbox.

Run by tests/sdk_compat.rs (part of `cargo test`) in target/test-venv, which holds the versions
pinned in tests/python-requirements.txt (ibm-cloud-sdk-core, ibm-platform-services, ibm-scc 3.0.0). Starts `apiflow sandbox` itself (the binary path is the first argument),
drives it with the SDKs, parses every response with the SDKs' own model classes, and prints
"N passed, N failed".
"""

import re
import subprocess
import sys
import traceback

from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_cloud_sdk_core import ApiException, get_query_param
from ibm_platform_services import IamIdentityV1
from ibm_platform_services.iam_identity_v1 import (
    ApiKey,
    ApiKeyInsideCreateServiceIdRequest,
    ApiKeyList,
    ServiceId,
    ServiceIdList,
)
from ibm_scc.configuration_governance_v1 import (
    ConfigurationGovernanceV1,
    CreateRuleAttachmentsResponse,
    CreateRuleRequest,
    CreateRulesResponse,
    EnforcementAction,
    Rule,
    RuleAttachment,
    RuleAttachmentList,
    RuleAttachmentRequest,
    RuleList,
    RuleRequest,
    RuleRequiredConfigSingleProperty,
    RuleScope,
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

    def attachment_lifecycle():
        account = state["account_id"]
        rule = RuleRequest(
            account_id=account,
            name="sdk attached rule",
            description="attached to the account",
            target=TargetResource(service_name="cloud-object-storage", resource_kind="bucket"),
            required_config=RuleRequiredConfigSingleProperty(property="public_access_enabled", operator="is_false"),
            enforcement_actions=[EnforcementAction(action="audit_log")],
            labels=["sdk-attach"],
        )
        created = scc.create_rules(rules=[CreateRuleRequest(rule=rule)]).get_result()
        rule_id = CreateRulesResponse.from_dict(created).rules[0].rule.rule_id
        scope = RuleScope(note="the account", scope_id=account, scope_type="account")
        resp = scc.create_rule_attachments(
            rule_id=rule_id,
            attachments=[
                RuleAttachmentRequest(account_id=account, included_scope=scope),
                RuleAttachmentRequest(
                    account_id=account,
                    included_scope=RuleScope(scope_id="rg-1", scope_type="account.resource_group"),
                    excluded_scopes=[RuleScope(scope_id="rg-2", scope_type="account.resource_group")],
                ),
            ],
            transaction_id="sdk-attach",
        )
        assert resp.get_status_code() == 201, resp.get_status_code()
        attachments = CreateRuleAttachmentsResponse.from_dict(resp.get_result()).attachments
        assert len(attachments) == 2 and attachments[0].rule_id == rule_id
        first = attachments[0].attachment_id
        assert Rule.from_dict(scc.get_rule(rule_id=rule_id).get_result()).number_of_attachments == 2
        listed = RuleList.from_dict(scc.list_rules(account_id=account, labels="sdk-attach", attached=True).get_result())
        assert [r.rule_id for r in listed.rules] == [rule_id]
        unattached = RuleList.from_dict(scc.list_rules(account_id=account, labels="sdk-attach", attached=False).get_result())
        assert unattached.total_count == 0
        by_scope = RuleList.from_dict(scc.list_rules(account_id=account, scopes="rg-1").get_result())
        assert [r.rule_id for r in by_scope.rules] == [rule_id]
        page = RuleAttachmentList.from_dict(scc.list_rule_attachments(rule_id=rule_id, limit=1, offset=1).get_result())
        assert page.total_count == 2 and len(page.attachments) == 1 and page.first.href and page.last.href
        got = scc.get_rule_attachment(rule_id=rule_id, attachment_id=first)
        assert RuleAttachment.from_dict(got.get_result()).included_scope.note == "the account"
        etag = got.get_headers()["Etag"]
        updated = scc.update_rule_attachment(
            rule_id=rule_id,
            attachment_id=first,
            if_match=etag,
            account_id=account,
            included_scope=scope,
            excluded_scopes=[RuleScope(scope_id="rg-3", scope_type="account.resource_group")],
        )
        # ibm-scc 3.0.0 documents a TemplateAttachment here; the body is a rule attachment.
        assert RuleAttachment.from_dict(updated.get_result()).excluded_scopes[0].scope_id == "rg-3"
        try:
            scc.update_rule_attachment(rule_id=rule_id, attachment_id=first, if_match=etag, account_id=account, included_scope=scope)
            raise AssertionError("a stale If-Match was accepted")
        except ApiException as e:
            assert e.code == 400 and "If-Match" in e.message, e
        try:
            scc.create_rule_attachments(
                rule_id=rule_id,
                attachments=[RuleAttachmentRequest(account_id=account, included_scope=RuleScope(scope_id="x", scope_type="enterprise.BOGUS"))],
            )
            raise AssertionError("a bogus scope type was accepted")
        except ApiException as e:
            assert e.code == 400, e
        assert scc.delete_rule_attachment(rule_id=rule_id, attachment_id=first).get_status_code() == 204
        try:
            scc.get_rule_attachment(rule_id=rule_id, attachment_id=first, transaction_id="sdk-a404")
            raise AssertionError("a deleted attachment was found")
        except ApiException as e:
            assert e.code == 404 and "not found" in str(e).lower(), e
        assert scc.delete_rule(rule_id=rule_id).get_status_code() == 204
        try:
            scc.list_rule_attachments(rule_id=rule_id)
            raise AssertionError("the attachments of a deleted rule were listed")
        except ApiException as e:
            assert e.code == 404, e

    check("ConfigurationGovernanceV1 attaches rules to scopes", attachment_lifecycle)

    def service_id_lifecycle():
        account = state["account_id"]
        seed = ServiceId.from_dict(iam.get_service_id(id=state["iam_id"].removeprefix("iam-")).get_result())
        assert seed.iam_id == state["iam_id"]
        created = iam.create_service_id(
            account_id=account,
            name="sdk-robot",
            description="from the SDK",
            unique_instance_crns=["crn:v1:bluemix:public:cloud-object-storage:global:a/x::"],
            apikey=ApiKeyInsideCreateServiceIdRequest(name="sdk-robot-key", store_value=True),
            entity_lock="true",
        )
        assert created.get_status_code() == 201
        robot = ServiceId.from_dict(created.get_result())
        assert robot.locked and robot.apikey.iam_id == robot.iam_id and robot.apikey.apikey
        try:
            iam.delete_service_id(id=robot.id)
            raise AssertionError("a locked service ID was deleted")
        except ApiException as e:
            assert e.code == 409, e
        assert iam.unlock_service_id(id=robot.id).get_status_code() == 204
        got = iam.get_service_id(id=robot.id, include_history=True)
        model = ServiceId.from_dict(got.get_result())
        assert not model.locked and model.history and model.description == "from the SDK"
        updated = iam.update_service_id(id=robot.id, if_match=got.get_headers()["Etag"], description="renamed").get_result()
        assert ServiceId.from_dict(updated).description == "renamed"
        try:
            iam.update_service_id(id=robot.id, if_match=got.get_headers()["Etag"], name="stale")
            raise AssertionError("a stale If-Match was accepted")
        except ApiException as e:
            assert e.code in (409, 412), e
        assert iam.lock_service_id(id=robot.id).get_status_code() == 204
        assert ServiceId.from_dict(iam.get_service_id(id=robot.id).get_result()).locked
        assert iam.unlock_service_id(id=robot.id).get_status_code() == 204
        page = ServiceIdList.from_dict(iam.list_service_ids(account_id=account, pagesize=1, sort="name").get_result())
        assert len(page.serviceids) == 1 and page.next
        named = ServiceIdList.from_dict(iam.list_service_ids(account_id=account, name="sdk-robot").get_result())
        assert [s.id for s in named.serviceids] == [robot.id]
        # A second key for the service ID, locked on creation, then its token.
        key = ApiKey.from_dict(iam.create_api_key(name="sdk-robot-key-2", iam_id=robot.iam_id, account_id=account, entity_lock="true").get_result())
        assert key.locked and key.iam_id == robot.iam_id
        keys = ApiKeyList.from_dict(iam.list_api_keys(account_id=account, iam_id=robot.iam_id).get_result())
        assert len(keys.apikeys) == 2
        assert keys.apikeys[0].apikey or keys.apikeys[1].apikey, "the stored value is shown again"
        token = IAMAuthenticator(robot.apikey.apikey, url=url).token_manager.get_token()
        assert token.count(".") == 2
        try:
            iam.delete_api_key(id=key.id)
            raise AssertionError("a locked API key was deleted")
        except ApiException as e:
            assert e.code == 409, e
        assert iam.unlock_api_key(id=key.id).get_status_code() == 204
        assert iam.lock_api_key(id=key.id).get_status_code() == 204
        assert iam.unlock_api_key(id=key.id).get_status_code() == 204
        assert iam.delete_service_id(id=robot.id).get_status_code() == 204
        for gone in (lambda: iam.get_service_id(id=robot.id), lambda: iam.get_api_key(id=key.id)):
            try:
                gone()
                raise AssertionError("a deleted service ID or its key was found")
            except ApiException as e:
                assert e.code == 404, e

    check("IamIdentityV1 creates, reads, lists, updates, locks and deletes service IDs and their keys", service_id_lifecycle)

    def paging_and_stored_values():
        account = state["account_id"]
        robots = [
            ServiceId.from_dict(iam.create_service_id(account_id=account, name=f"sdk-page-{n}").get_result())
            for n in range(3)
        ]
        for r in robots:
            key = ApiKey.from_dict(iam.create_api_key(name=f"{r.name}-key", iam_id=r.iam_id, account_id=account, store_value=True).get_result())
            # A service ID's key created with store_value shows its value again.
            assert ApiKey.from_dict(iam.get_api_key(id=key.id).get_result()).apikey == key.apikey
        # Page one at a time, as IBM's own tests do: the token comes from the `next` link.
        paged = {}
        for list_page, items in (
            (lambda size, token: ServiceIdList.from_dict(iam.list_service_ids(account_id=account, pagesize=size, pagetoken=token).get_result()), "serviceids"),
            (lambda size, token: ApiKeyList.from_dict(iam.list_api_keys(account_id=account, pagesize=size, pagetoken=token).get_result()), "apikeys"),
        ):
            seen, token = [], None
            while True:
                page = list_page(1, token)
                seen.extend(item.id for item in getattr(page, items))
                if not page.next:
                    break
                token = get_query_param(page.next, "pagetoken")
                assert len(seen) < 100, "the pages never end"
            everything = [item.id for item in getattr(list_page(100, None), items)]
            assert seen == everything and len(everything) >= 4, (seen, everything)
            paged[items] = seen
        assert {r.id for r in robots} <= set(paged["serviceids"]), paged
        for r in robots:
            assert iam.delete_service_id(id=r.id).get_status_code() == 204

    check("IamIdentityV1 pages service IDs and API keys by the token of `next`, and stored key values", paging_and_stored_values)


if __name__ == "__main__":
    sys.exit(main())
