"""Pulumi.yaml, the stack files and the README agree with the program."""

from __future__ import annotations

import re

import botocore.session
import yaml

from components import config
from components.regions import ALL_REGIONS, REGIONS
from tools.harness import ROOT, read_project, stack_names

# Pulumi's project schema (sdk/go/common/workspace/project.json) types project config as one of
# these; an array must name its items' type; a default must be of the declared type.
PULUMI_CONFIG_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list}


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


def test_every_top_level_key_is_declared_typed_or_documented_as_structured():
    project = read_project()
    typed = set(project["config"])
    text = (ROOT / "Pulumi.yaml").read_text()
    structured = {key for key in config.STRUCTURED_KEYS if re.search(rf"^#\s+{key}\s", text, re.M)}
    assert typed | structured == set(config.TOP_LEVEL_KEYS)
    assert structured == set(config.STRUCTURED_KEYS)


def test_readme_documents_every_config_key():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", readme, re.M))
    expected = set(config.TOP_LEVEL_KEYS)
    expected |= {f"encryption.{k}" for k in config.ENCRYPTION_KEYS}
    expected |= {f"repositories[].{k}" for k in config.REPOSITORY_KEYS}
    expected |= {f"repositories[].lifecycle.{k}" for k in config.LIFECYCLE_KEYS}
    expected |= {f"repositories[].lifecycle.rules[].{k}" for k in config.RULE_KEYS}
    expected |= {f"repositories[].grants[].{k}" for k in config.GRANT_KEYS}
    expected |= {f"scanning.{k}" for k in config.SCANNING_KEYS}
    expected |= {f"scanning.rules[].{k}" for k in config.SCAN_RULE_KEYS}
    expected |= {f"replication.{k}" for k in config.REPLICATION_KEYS}
    expected |= {f"replication.rules[].{k}" for k in config.REPLICATION_RULE_KEYS}
    expected |= {f"replication.rules[].destinations[].{k}" for k in config.DESTINATION_KEYS}
    expected |= {f"pull_through_cache.{k}" for k in config.CACHE_KEYS}
    expected |= {f"pull_through_cache.rules[].{k}" for k in config.CACHE_RULE_KEYS}
    expected |= {f"pull_through_cache.rules[].credentials.{k}" for k in config.CREDENTIAL_KEYS}
    assert expected <= documented, sorted(expected - documented)


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
