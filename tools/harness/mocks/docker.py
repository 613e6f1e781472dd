"""pulumi-docker's ``docker.Image`` as ``pulumi up`` runs it: the engine's ``ignore_changes`` and
replacement triggers, the provider's Check, Diff, Create and Update, and the push into the
harness's ECR.

A plain mock answers a registration with its inputs; a real ``up`` of an Image that is already in
the stack's state goes through several steps, each of which can push (and so fail on an immutable
tag). What is repeated here, and where it was read (pulumi/pulumi @ 1b59498,
pulumi/pulumi-docker @ 237b789; the SDK installed is pulumi-docker 5.2.0, whose ``provider/image.go``
is the same as that tree's and ``provider/provider.go`` differs by one line):

1. The engine resets every ``ignore_changes`` path to the old *inputs* before it calls Check
   (``pkg/resource/deploy/step_generator.go``: "Set inputs back to their old values (if any) for any
   'ignored' properties", ``processIgnoreChanges`` → ``PropertyPath.Reset``; Check gets ``News: inputs``).
2. pulumi-docker's Check fills in ``build``'s defaults (context ``.``, dockerfile
   ``CONTEXT/Dockerfile``), ``buildOnPreview`` false, and adds the implicit
   ``build.contextDigest``, a hash of the Dockerfile and the build context *as the working tree
   has them now* (``provider/provider.go`` ``Check``: "add implicit resource contextDigest";
   ``hashContext``/``hashPath``). The old inputs restored in step 1 do not stop it.
3. The engine replaces the resource when its replacement trigger differs from the one in the
   state and neither is null (``shouldTriggerReplace``), before asking the provider to diff.
4. pulumi-docker's Diff compares the checkpointed ``__inputs`` with the new checked inputs and
   never reads ``ignoreChanges``; a change of ``registry`` counts only for ``server``
   (``provider/provider.go`` ``Diff``/``diffUpdates``).
5. Create and Update build and, unless ``skipPush``, push ``imageName``
   (``provider/image.go`` ``dockerBuild``: with ``skipPush`` ``repoDigest`` is the local image ID;
   otherwise the push's digest). ECR refuses a tag an IMMUTABLE repository already holds
   (ECR API reference, PutImage: ``ImageTagAlreadyExistsException``, "The specified image is tagged
   with a tag that already exists. The repository is configured for tag immutability."). Every
   repository this program creates is IMMUTABLE (the pack's mandatory ``ecr-immutable-tags``).
6. Delete does nothing (``provider/provider.go`` ``Delete`` returns at once): an Image left out of
   the program only leaves the state.

Offline there is no ``preview`` path: the harness runs the program as ``up`` does (with
``build_on_preview`` off, a real ``pulumi preview`` never builds or pushes; its ``up`` does the
above). The context hash follows ``hashPath`` byte for byte, with the project's own
``.dockerignore`` matcher (``components/workload/image.py``) for the files the walk admits.
"""

from __future__ import annotations

import copy
import hashlib
import os
import platform
import stat
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.workload.image import ignore_file, is_ignored, read_dockerignore

from .eks import EngineError
from .registry import Where

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"


@dataclass
class ImageState:
    """A ``docker.Image`` as the stack's state holds it after an ``up``."""

    inputs: dict
    """The inputs Check returned (``build.contextDigest`` included): what Diff compares with."""
    outputs: dict = field(default_factory=dict)
    replacement_trigger: Any = None


# --------------------------------------------------------------------------------------------
# pulumi-docker's context hash (provider/provider.go hashContext, hashPath).


def go_file_mode(mode: int) -> str:
    """Go's ``fs.FileMode.String()`` for an ``os.stat`` mode: type letters (``-`` for a regular
    file), then ``rwxrwxrwx``."""
    letters = ""
    if stat.S_ISDIR(mode):
        letters += "d"
    if stat.S_ISLNK(mode):
        letters += "L"
    if mode & stat.S_ISUID:
        letters += "u"
    if mode & stat.S_ISGID:
        letters += "g"
    if mode & stat.S_ISVTX:
        letters += "t"
    perms = "".join(c if mode & (1 << (8 - i)) else "-" for i, c in enumerate("rwxrwxrwx"))
    return (letters or "-") + perms


def _walk(context: Path, patterns: list) -> Iterator[tuple[str, Path]]:
    """(relative path, path) of every file fsutil.Walk admits, in its order: depth first, each
    directory's entries sorted by name; symlinks are not followed."""
    def visit(directory: Path, prefix: str) -> Iterator[tuple[str, Path]]:
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            rel = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from visit(Path(entry.path), f"{rel}/")
            elif not is_ignored(rel, patterns):
                yield rel, Path(entry.path)
    yield from visit(context, "")


def hash_context(context: str, dockerfile: str, root: Path) -> str:
    """pulumi-docker's ``build.contextDigest`` of ``context`` and ``dockerfile`` (relative to
    ``root``, the project directory the provider runs in)."""
    context_dir, dockerfile_path = root / context, root / dockerfile
    ignore = ignore_file(context_dir, dockerfile_path)
    patterns = read_dockerignore(ignore.read_text(encoding="utf-8")) if ignore.is_file() else []
    buffer = bytearray()

    def add(path: Path, name: str, mode: int) -> None:
        if stat.S_ISLNK(mode):
            content = os.path.realpath(path).encode()  # the link's target path, not its bytes
        else:
            content = path.read_bytes()
        buffer.extend(name.encode() + go_file_mode(mode).encode() + hashlib.sha256(content).digest() + b"\0")

    add(dockerfile_path, "Dockerfile", 0)  # always hashed as "Dockerfile", with mode 0
    for rel, path in _walk(context_dir, patterns):
        add(path, rel, os.lstat(path).st_mode)
    return hashlib.sha256(bytes(buffer)).hexdigest()


# --------------------------------------------------------------------------------------------
# The engine's and the provider's steps.


def reset_ignored(news: dict, olds: Mapping[str, Any], paths: list[str]) -> dict:
    """The engine's ``processIgnoreChanges``: each ignored path takes its old value (or is removed
    when the old inputs lack it)."""
    out = copy.deepcopy(news)
    for path in paths:
        keys = path.split(".")
        old: Any = olds
        for key in keys:
            old = old.get(key) if isinstance(old, Mapping) else None
        target = out
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        if old is None:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = copy.deepcopy(old)
    return out


def check(news: Mapping[str, Any], root: Path) -> dict:
    """pulumi-docker's Check: defaults, and the implicit ``build.contextDigest``."""
    inputs = copy.deepcopy(dict(news))
    inputs.setdefault("buildOnPreview", False)
    build = inputs.setdefault("build", {})
    build.setdefault("context", ".")
    build.setdefault("dockerfile", f"{build['context'].rstrip('/')}/Dockerfile")
    if not (root / build["dockerfile"]).is_file():
        raise EngineError(f"docker:index/image:Image: could not open dockerfile at relative path "
                          f"{build['dockerfile']!r}")
    build["contextDigest"] = hash_context(build["context"], build["dockerfile"], root)
    build.setdefault("platform", f"linux/{'arm64' if platform.machine() in ('arm64', 'aarch64') else 'amd64'}")
    return inputs


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return _plain(value.get("value"))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != SIG_KEY}
    return value


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """pulumi-docker's Diff: the top-level inputs that changed (``registry`` only by ``server``)."""
    changed = []
    for key in sorted(set(olds) | set(news)):
        old, new = _plain(olds.get(key)), _plain(news.get(key))
        if key == "registry" and isinstance(old, dict) and isinstance(new, dict):
            if old.get("server") != new.get("server"):
                changed.append(key)
        elif old != new:
            changed.append(key)
    return changed


class DockerImages:
    """The ``docker.Image`` registrations of one ``up``: each one's step, the pushes, the state left."""

    def __init__(self, ecr: MutableMapping[str, dict[str, str]], state: Mapping[str, ImageState]) -> None:
        self.ecr = ecr
        """What ECR holds: repository name -> {tag: digest} (pushes land here)."""
        self.before = dict(state)
        """The state the ``up`` starts from: URN -> ImageState."""
        self.after: dict[str, ImageState] = {}
        self.steps: dict[str, str] = {}
        """URN -> ``create``, ``update``, ``replace`` or ``same``."""
        self.pushes: list[str] = []
        """Every image name pushed, in order."""
        self.root: Path | None = None
        """The project directory, where the provider resolves the build's paths (``run_program``
        sets it; else the current directory)."""

    @property
    def deleted(self) -> list[str]:
        """Images in the state the program no longer declares: the engine deletes them (a no-op)."""
        return sorted(set(self.before) - set(self.after))

    def state(self) -> dict[str, ImageState]:
        """The state after this ``up``: the next run's ``before``."""
        return dict(self.after)

    def register(self, urn: str, inputs: dict, ignore_changes: list[str], trigger: Any,
                 where: Where) -> tuple[str, dict]:
        root = self.root or Path.cwd()  # the provider runs in the project directory, as the program does
        old = self.before.get(urn)
        news = reset_ignored(inputs, old.inputs, ignore_changes) if old is not None else inputs
        checked = check(news, root)
        if old is None:
            step = "create"
        elif trigger is not None and old.replacement_trigger is not None and trigger != old.replacement_trigger:
            step = "replace"
        elif diff(old.inputs, checked):
            step = "update"
        else:
            step = "same"
        self.steps[urn] = step
        outputs = old.outputs if step == "same" and old is not None else self._build(checked)
        self.after[urn] = ImageState(inputs=checked, outputs=outputs, replacement_trigger=trigger)
        return str(checked.get("imageName", urn)), {**inputs, **outputs}

    def _build(self, inputs: Mapping[str, Any]) -> dict:
        """``dockerBuild``: the image built from the context, then pushed unless ``skipPush``."""
        build = inputs["build"]
        image_id = "sha256:" + hashlib.sha256(
            "\0".join([build["contextDigest"], build["platform"], str(sorted((build.get("args") or {}).items())),
                       build.get("target") or ""]).encode()).hexdigest()
        name = str(inputs.get("imageName", ""))
        repo_url, _, tag = name.rpartition(":")
        outputs = {"imageName": name, "baseImageName": name, "registryServer": repo_url.split("/", 1)[0],
                   "context": build["context"], "dockerfile": build["dockerfile"], "platform": build["platform"]}
        if inputs.get("skipPush"):
            return {**outputs, "repoDigest": image_id}  # the local image's ID: nothing was pushed
        repository = repo_url.split("/", 1)[1] if "/" in repo_url else repo_url
        held = self.ecr.setdefault(repository, {})
        if tag in held:
            raise EngineError(
                f"docker:index/image:Image: pushing {name}: ImageTagAlreadyExistsException: The image tag "
                f"'{tag}' already exists in the '{repository}' repository and cannot be overwritten because the "
                "repository is immutable")
        # ECR lists (and the push answers) the manifest's digest, which is not the local image ID.
        digest = "sha256:" + hashlib.sha256(f"manifest\0{image_id}".encode()).hexdigest()
        held[tag] = digest
        self.pushes.append(name)
        return {**outputs, "repoDigest": f"{repo_url}@{digest}"}
