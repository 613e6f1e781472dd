"""What the README states holds: its figures are the offline preview's (generated between markers by
``tools/doc_figures.py``), its index names every page in docs/, its teardown recipe for prod
unprotects everything the plan protects, and its command for emptying the versioned access-log
bucket removes every version and delete marker."""

from __future__ import annotations

import json
import re
import textwrap

import boto3
import pytest
from moto import mock_aws

from components.eks.versions import DEFAULT_VERSION
from stack_config import schema
from tools import doc_figures
from tools.harness import ROOT, load_stack, run_program

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_figures_are_the_previews():
    assert doc_figures.main(["--check"]) == 0, "run venv/bin/python -m tools.doc_figures"


def test_a_stale_figure_is_found():
    generated = {"stacks": "| a | b |", "protected": "x", "inspector": "y", "examples": "z"}
    stale = "<!-- figures: stacks -->\n| a | c |\n<!-- /figures -->\n" + "".join(
        f"<!-- figures: {n} -->\n{v}\n<!-- /figures -->\n" for n, v in generated.items() if n != "stacks")
    assert doc_figures.render(stale, generated) != stale
    with pytest.raises(KeyError, match="no figures block for: stacks"):
        doc_figures.render(stale.split("<!-- figures: protected")[0].replace("stacks", "other"), {"other": ""}
                           | {"stacks": ""})


def test_the_figures_come_from_the_plan(plans):
    """The generated table states the plan's own numbers (the tool reads the same plan as JSON)."""
    prod = plans("prod")
    block = README.split("<!-- figures: stacks -->")[1].split("<!-- /figures -->")[0]
    assert f"| {sum(1 for r in prod.resources if r.custom)} ({sum(1 for r in prod.resources if r.protect)}) |" in block
    (group,) = prod.by_type("eks:index:ManagedNodeGroup")
    scaling = group.inputs["scalingConfig"]
    assert f"{int(scaling['minSize'])}-{int(scaling['maxSize'])} ON_DEMAND m7g.large" in block
    protected = README.split("<!-- figures: protected -->")[1].split("<!-- /figures -->")[0]
    assert sorted(re.findall(r"`([^`]+)`", protected)) == sorted(r.name for r in prod.resources if r.protect)


def test_every_example_has_a_purpose_and_a_row():
    names = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "examples").glob("Pulumi.*.yaml"))
    assert sorted(doc_figures.example_names()) == names
    block = README.split("<!-- figures: examples -->")[1]
    assert all(f"examples/Pulumi.{n}.yaml" in block for n in names)


def test_the_index_names_every_page_of_docs():
    index = README.split("## Documentation")[1].split("\n## ")[0]
    linked = set(re.findall(r"\]\((docs/[a-z0-9-]+\.md)\)", index))
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages - linked == set(), f"README.md's index does not list {sorted(pages - linked)}"
    assert len(index.strip().splitlines()) == len(linked) + 1  # one line each, and app/README.md


def test_the_kubernetes_default_the_reference_states_is_the_programs():
    (key,) = [k for k in schema.KEYS if k.path == "cluster.version"]
    assert key.default.startswith(f"`{DEFAULT_VERSION}`")


# ------------------------------------------------------------------------------ teardown

def _teardown_settings():
    """Prod as the README's teardown says to set it: protect off, every repository force_delete,
    the access-log bucket kept in the program explicitly."""
    settings = load_stack("prod")
    config = settings.config
    config["container-platform:protect"] = "false"
    repositories = json.loads(config["container-platform:repositories"])
    for repository in repositories:
        repository.pop("protect", None)
        repository["force_delete"] = True
    config["container-platform:repositories"] = json.dumps(repositories)
    front_door = json.loads(config["container-platform:front_door"])
    config["container-platform:front_door"] = json.dumps({**front_door, "access_logs": True})
    return settings


def test_the_teardown_settings_unprotect_everything_prod_protects(plans):
    before = plans("prod")
    after = run_program(_teardown_settings())
    assert [r.name for r in before.resources if r.protect], "prod protects something"
    assert [r.name for r in after.resources if r.protect] == []
    # The protected resources are all still in the program (unprotected, not deleted by this up).
    assert {r.urn for r in before.resources if r.protect} <= {r.urn for r in after.resources}
    assert after.one("eks:index:Cluster", "cluster-eks").inputs["deletionProtection"] is False
    assert after.one("aws:lb/loadBalancer:LoadBalancer", "front-door-lb").inputs["enableDeletionProtection"] is False
    assert all(r.inputs["forceDelete"] for r in after.by_type("aws:ecr/repository:Repository"))
    # What destroy then leaves (retain_on_delete): what the README lists, nothing else.
    kept = sorted({r.type for r in after.resources if r.retain_on_delete})
    assert kept == ["aws:ecr/registryPolicy:RegistryPolicy", "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
                    "aws:ecr/replicationConfiguration:ReplicationConfiguration", "aws:kms/key:Key",
                    "aws:s3/bucket:Bucket", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    "aws:s3/bucketVersioning:BucketVersioning"]
    assert [r.name for r in after.by_type("aws:kms/key:Key") if r.retain_on_delete] == ["cluster-key"]


def test_the_teardown_settings_pass_the_pack():
    from tools.policy_gate import DEFAULT_PACK, PackProcess, analyze

    with PackProcess(DEFAULT_PACK, "container-platform", "prod") as pack:
        report = analyze(run_program(_teardown_settings()), pack, {}, "eu-central-1")
    assert report.mandatory == []


def test_the_bucket_command_empties_a_versioned_bucket(monkeypatch, tmp_path):
    """The README's command, run as written (its Python, with the bucket as argv[1]) against moto's
    S3: every object version and delete marker goes, and then the bucket can be deleted."""
    (code,) = re.findall(r"venv/bin/python - BUCKET <<'EOF'\n(.*?)\n *EOF\n", README, re.S)
    code = textwrap.dedent(code)
    # Path-style addressing: moto 5.2 does not route botocore 1.44's virtual-host CreateBucket.
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-central-1\ns3 =\n    addressing_style = path\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-central-1")
        s3.create_bucket(Bucket="logs", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        s3.put_bucket_versioning(Bucket="logs", VersioningConfiguration={"Status": "Enabled"})
        for i in range(1205):  # more than one page (1,000) of versions
            s3.put_object(Bucket="logs", Key=f"AWSLogs/{i % 7}.gz", Body=b"x")
        s3.delete_object(Bucket="logs", Key="AWSLogs/0.gz")  # a delete marker
        with pytest.raises(s3.exceptions.ClientError, match="BucketNotEmpty"):
            s3.delete_bucket(Bucket="logs")  # what `aws s3 rb --force` meets after removing current objects
        monkeypatch.setattr("sys.argv", ["-", "logs"])
        exec(compile(code, "README.md", "exec"), {})
        listed = s3.list_object_versions(Bucket="logs")
        assert not listed.get("Versions") and not listed.get("DeleteMarkers")
        s3.delete_bucket(Bucket="logs")
