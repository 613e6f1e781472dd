"""Pulumi.yaml, the stack files and the README agree with the program."""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
import yaml

import stack_config as config
from components.shared.regions import ALL_REGIONS, REGIONS
from stack_config import schema
from tests.conftest import raw_config
from tools import config_docs
from tools.harness import ROOT, read_project, stack_names

# Pulumi's project schema (sdk/go/common/workspace/project.json, simpleConfigType, at pulumi/pulumi
# pkg/v3.259.0) types project config as one of these; an array must name its items' type; a default
# must be of the declared type.
PULUMI_CONFIG_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}


def test_project_file_declares_runtime_and_config_the_pulumi_way():
    project = read_project()
    assert project["name"] == "container-platform"
    assert project["description"]
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    for key, declared in project["config"].items():
        assert set(declared) <= {"type", "description", "default", "items", "secret"}, key
        assert declared["type"] in PULUMI_CONFIG_TYPES, key
        assert declared["description"], key
        assert "default" in declared, key
        assert isinstance(declared["default"], PULUMI_CONFIG_TYPES[declared["type"]]), key
        if declared["type"] == "array":
            assert declared["items"]["type"] in PULUMI_CONFIG_TYPES, key


SCHEMA_TYPES = {"boolean": "boolean", "string": "string"}


def test_every_scalar_top_level_key_is_declared_and_the_rest_points_to_the_reference():
    """Pulumi.yaml declares the scalar keys with the schema's type and default. The structured keys
    stay undeclared (a declared key without a default is one the CLI requires) and its comment
    points to the generated reference, which documents every key."""
    project = read_project()
    typed = set(project["config"])
    text = (ROOT / "Pulumi.yaml").read_text()
    top_level = set(schema.keys_of(""))
    assert typed == top_level - set(config.STRUCTURED_KEYS)
    assert "docs/configuration.md" in text
    for name, declared in project["config"].items():
        assert SCHEMA_TYPES[schema.key(name).type] == declared["type"], name
        default = json.dumps(declared["default"])
        assert schema.key(name).default in (f"`{default}`", "the stack name"), name


def test_readme_documents_every_config_key():
    readme = (ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", readme, re.M))
    expected = {k.path for k in schema.KEYS if k.own_namespace}
    assert expected <= documented, sorted(expected - documented)


def test_readme_config_tables_are_generated_from_the_schema(capsys):
    assert config_docs.main(["--check"]) == 0, capsys.readouterr().err
    # The check can fail: an edited row is found.
    readme = (ROOT / "docs" / "configuration.md").read_text()
    edited = readme.replace("| `protect` | boolean |", "| `protect` | string |", 1)
    assert edited != readme and config_docs.render(edited) == readme


@pytest.mark.parametrize("parent, values", [
    ("", {"zz": 1}),
    ("repositories[]", {"repositories": [{"name": "ab", "zz": 1}]}),
    ("repositories[].lifecycle", {"repositories": [{"name": "ab", "lifecycle": {"zz": 1}}]}),
    ("scanning", {"scanning": {"zz": 1}}),
    ("replication.rules[].destinations[]", {"replication": {"rules": [{"destinations": [{"region": "eu-west-1",
                                                                                        "zz": 1}]}]}}),
    ("pull_through_cache.rules[]", {"pull_through_cache": {"rules": [{"upstream": "quay", "zz": 1}]}}),
])
def test_the_reader_accepts_exactly_the_schemas_keys(parent, values):
    """Every object's allowed keys come from the schema, in its order."""
    values = {"repositories": [{"name": "ab"}], **values}
    with pytest.raises(config.ConfigError) as caught:
        config.parse(raw_config(values), project="container-platform", stack="t")
    assert str(caught.value).endswith("allowed keys: " + ", ".join(schema.keys_of(parent)))


def test_stack_files_are_complete_examples():
    assert {"dev", "prod"} <= set(stack_names())
    for stack in stack_names():
        document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
        assert document["config"]["aws:region"] in ALL_REGIONS
        assert document["config"]["aws:allowedAccountIds"], stack


def test_region_list_matches_botocore_endpoint_data():
    session = botocore.session.get_session()
    for partition, regions in REGIONS.items():
        known = set(session.get_available_regions("ecr", partition_name=partition))
        assert set(regions) <= known, (partition, set(regions) - known)
