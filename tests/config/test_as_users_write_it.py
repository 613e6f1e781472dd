"""Config read as users write it: what the Pulumi tools accept is accepted, and everything else is
one line naming the key, the value and what is allowed — never a traceback."""

from __future__ import annotations

import textwrap

import pytest

from stack_config import ConfigError, parse
from tests.conftest import PROJECT, raw_config
from tests.conftest import config_error as error
from tools.preview import main

OK = {"repositories": [{"name": "myapp"}]}


@pytest.mark.parametrize("text, value", [("True", True), ("False", False), ("true", True), ("false", False)])
def test_booleans_as_pulumis_get_bool_reads_them(text, value):
    parsed = parse(raw_config({**OK, "protect": text}), project=PROJECT, stack="t")
    assert parsed.registry.protect_key is value


def test_memory_quantities_as_kubernetes_reads_them():
    from components.workload.service import memory_bytes

    assert memory_bytes("0.5Gi") == 2 ** 29 and memory_bytes("1.5G") == 1.5e9 and memory_bytes("129e6") == 129e6
    config = {**OK, "network": {"availability_zones": ["eu-central-1a", "eu-central-1b"]}, "cluster": {},
              "workload": {"repository": "myapp", "memory_request": "0.25Gi", "memory_limit": "0.5Gi"}}
    parsed = parse(raw_config(config), project=PROJECT, stack="t")
    assert parsed.kubernetes.workload.service.memory_limit == "0.5Gi"
    config["workload"]["memory_limit"] = "0.2Gi"
    assert error(config) == 'workload.memory_limit: "0.2Gi" is below memory_request (0.25Gi); Kubernetes refuses the pod'


@pytest.mark.parametrize("value, message", [
    ('111122223333', 'aws:allowedAccountIds: "111122223333" is not a list of account IDs; write it as a YAML list: '
                       '["111122223333"]'),
    ('["11112222333"]', 'aws:allowedAccountIds[0]: "11112222333" is not a 12-digit AWS account ID'),
    ('["1111222233334"]', 'aws:allowedAccountIds[0]: "1111222233334" is not a 12-digit AWS account ID'),
])
def test_the_providers_account_list(value, message):
    config = raw_config(OK)
    config["aws:allowedAccountIds"] = value
    with pytest.raises(ConfigError) as caught:
        parse(config, project=PROJECT, stack="t")
    assert str(caught.value) == message


def _preview(tmp_path, text: str, capsys) -> tuple[int, str]:
    path = tmp_path / "Pulumi.t.yaml"
    path.write_text(textwrap.dedent(text))
    code = main(["t", "--config-file", str(path), "--no-policy"])
    return code, capsys.readouterr().err


def test_a_scalar_where_a_provider_list_is_expected_is_no_traceback(tmp_path, capsys):
    code, err = _preview(tmp_path, """\
        config:
          aws:region: eu-central-1
          aws:allowedAccountIds: "111122223333"
          container-platform:repositories:
            - name: myapp
        """, capsys)
    assert code == 2 and "Traceback" not in err and "is not a list of account IDs" in err


def test_a_stack_file_without_its_config_line_says_so(tmp_path, capsys):
    code, err = _preview(tmp_path, """\
        aws:region: eu-central-1
        container-platform:repositories:
          - name: myapp
        """, capsys)
    assert code == 2 and "has no 'config:' line" in err


def test_a_yaml_syntax_error_is_one_short_message(tmp_path, capsys):
    code, err = _preview(tmp_path, """\
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              tags: {a: [1,
        """, capsys)
    assert code == 2 and len(err.strip().splitlines()) <= 3 and "not valid YAML" in err and "line " in err


def test_a_list_whose_entries_are_all_commented_out_reads_as_empty(tmp_path, capsys):
    code, err = _preview(tmp_path, """\
        config:
          aws:region: eu-central-1
          container-platform:repositories:
            - name: myapp
              tag_mutability_exclusions:
              #  - latest
        """, capsys)
    assert code == 0, err


def test_a_choice_given_the_wrong_type_names_the_choices():
    assert error({"repositories": [{"name": "myapp", "tag_mutability": 5}]}) == (
        "repositories[0].tag_mutability: 5 is not one of IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE, "
        "MUTABLE_WITH_EXCLUSION")


def test_a_cidr_that_is_not_a_network_address_is_refused():
    config = {**OK, "network": {"availability_zones": ["eu-central-1a", "eu-central-1b"], "cidr": "10.0.0.1/16"},
              "cluster": {}}
    assert error(config) == 'network.cidr: "10.0.0.1/16" is not an IPv4 network (e.g. 10.0.0.0/16)'
