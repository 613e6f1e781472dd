"""The offline reader gives the program what the Pulumi CLI would: tools/cli_yaml.py.

The CLI reads stack files with Go's yaml.v3 and passes top-level values as their text and
structured values as JSON. Where YAML 1.1 (PyYAML) and yaml.v3 disagree, the CLI's reading is the
one the program sees in `pulumi up`, so it is the one asserted here.
"""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml

from tools.cli_yaml import CliYamlError, config_values, resolve_plain, to_json
from tools.harness import StackFileError, load_stack
from tools.preview import main


def read(text: str) -> dict[str, str]:
    return config_values(textwrap.dedent(text), "Pulumi.t.yaml", "[secret]")[0]


@pytest.mark.parametrize("text, cli, pyyaml_reads", [
    # YAML 1.1 booleans are plain strings to yaml.v3.
    ("no", "no", False), ("yes", "yes", True), ("on", "on", True), ("off", "off", False),
    # Timestamps stay strings when yaml.v3 decodes into interface{}.
    ("2024-01-01", "2024-01-01", None),
    # YAML 1.2 floats need no dot: 1e3 is a number to yaml.v3, a string to PyYAML.
    ("1e3", 1000.0, "1e3"),
    # Sexagesimal numbers are YAML 1.1 only.
    ("1:30", "1:30", 90),
    # Go's base prefixes, and YAML 1.1 octal which yaml.v3 still reads.
    ("0x1F", 31, 31), ("0o17", 15, "0o17"), ("017", 15, 15),
    # A 12-digit account ID with a leading zero and an 8 or 9 is a float to yaml.v3.
    ("012345678901", 12345678901.0, "012345678901"),
    ("true", True, True), ("True", True, True), ("~", None, None), ("null", None, None),
    ("1_000", 1000, 1000), ("v1.2", "v1.2", "v1.2"),
])
def test_plain_scalars_resolve_as_yaml_v3_does(text, cli, pyyaml_reads):
    assert resolve_plain(text) == cli
    assert type(resolve_plain(text)) is type(cli)
    if pyyaml_reads is not None:
        assert yaml.safe_load(f"k: {text}")["k"] == pyyaml_reads  # why a PyYAML reader was wrong


def test_top_level_values_reach_the_program_as_written():
    config = read("""
        config:
          p:protect: yes
          p:environment: 2024-01-01
          p:count: 1e3
          p:empty: ~
          p:quoted: "017"
    """)
    assert config == {"p:protect": "yes", "p:environment": "2024-01-01", "p:count": "1e3",
                      "p:empty": "", "p:quoted": "017"}


def test_structured_values_are_the_clis_json():
    config = read("""
        config:
          p:tags:
            Created: 2024-01-01
            Enabled: no
            Count: 1e3
            Ratio: 0.5
          p:list: [012345678901, "012345678901", 017, true]
    """)
    assert json.loads(config["p:tags"]) == {"Created": "2024-01-01", "Enabled": "no", "Count": 1000,
                                            "Ratio": 0.5}
    assert config["p:tags"] == '{"Count": 1000, "Created": "2024-01-01", "Enabled": "no", "Ratio": 0.5}'
    assert json.loads(config["p:list"]) == [12345678901, "012345678901", 15, True]


def test_secure_values_mark_the_key_secret_without_a_value():
    config, secret = config_values(textwrap.dedent("""
        config:
          p:token:
            secure: v1:abc
          p:cache:
            rules:
              - credentials:
                  access_token:
                    secure: v1:def
          p:plain: x
    """), "f", "[secret]")
    assert secret == {"p:token", "p:cache"}
    assert config["p:token"] == "[secret]"
    assert json.loads(config["p:cache"]) == {"rules": [{"credentials": {"access_token": "[secret]"}}]}


def test_anchors_and_merge_keys_are_resolved():
    config = read("""
        config:
          p:a:
            base: &base {keep_last: 5}
            merged:
              <<: *base
              untagged_expire_days: 3
    """)
    assert json.loads(config["p:a"]) == {"base": {"keep_last": 5},
                                         "merged": {"keep_last": 5, "untagged_expire_days": 3}}


@pytest.mark.parametrize("text, message", [
    ("config:\n  p:a: 1\n  p:a: 2\n", "config.p:a: the key is already defined (line 3); the Pulumi CLI refuses duplicate keys"),
    ("config:\n  p:a:\n    x: 1\n    x: 2\n", "config.p:a.x: the key is already defined (line 4)"),
    ("config:\n  p:a:\n    1: x\n", "config.p:a: the key '1' is not a string (line 3); quote it"),
    ("config:\n  p:a: [.nan]\n", "config.p:a: nan cannot be written as JSON"),
    ("config:\n  p:a: [!!binary aGVsbG8=]\n", "config.p:a[0]: the tag tag:yaml.org,2002:binary is not supported"),
    ("config:\n  p:a: {b: !!int x}\n", "config.p:a.b: 'x' cannot be read as int"),
    ("config: [1, 2]\n", "expected a mapping with a 'config' mapping"),
    ("- 1\n", "expected a mapping with a 'config' mapping"),
    ("config:\n  p:a: [\n", "not valid YAML"),
])
def test_what_the_cli_refuses_is_a_clear_error(text, message):
    with pytest.raises(CliYamlError) as caught:
        config_values(text, "Pulumi.t.yaml", "[secret]")
    assert message in str(caught.value)


def test_go_json_writes_integral_floats_without_a_fraction():
    assert to_json({"a": 8.0, "b": 1e21, "c": 0.25, "d": [1.0]}) == '{"a": 8, "b": 1e+21, "c": 0.25, "d": [1]}'


def test_stack_file_errors_name_the_file(tmp_path):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  aws:region: eu-central-1\n  aws:region: eu-west-1\n")
    with pytest.raises(StackFileError) as caught:
        load_stack("x", path)
    assert str(caught.value).startswith(f"{path}: config.aws:region: the key is already defined")


ODD_VALUES = ["2024-01-01", "2024-01-01T10:00:00Z", "yes", "no", "1e3", ".inf", ".nan", "~", "0x1F",
              "!!binary aGVsbG8=", "[1, [2, {a: b}]]", "{a: {b: {c: d}}}", "!!set {a, b}", "&x y",
              "'quoted'", "12:30:00", "-.inf", "0b101", "!!float 1", "!!str 1"]


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize("where", ["tags", "environment", "protect", "repositories"])
def test_no_yaml_value_type_ends_in_a_traceback(tmp_path, capsys, value, where):
    """Any value in any place: the preview succeeds, or exits 2 with a one-line error."""
    if where == "tags":
        body = f"  container-platform:tags:\n    Created: {value}\n  container-platform:repositories: [{{name: ab}}]\n"
    elif where == "repositories":
        body = f"  container-platform:repositories:\n    - name: ab\n      scan_on_push: {value}\n"
    else:
        body = f"  container-platform:{where}: {value}\n  container-platform:repositories: [{{name: ab}}]\n"
    path = tmp_path / "Pulumi.odd.yaml"
    path.write_text("config:\n  aws:region: eu-central-1\n" + body)
    code = main(["odd", "--config-file", str(path), "--no-policy"])  # raises on anything unexpected
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err
