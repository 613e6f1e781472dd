"""``ServiceImage``: build the service's image with pulumi-docker and push it to an ECR repository
under a tag derived from exactly what the build sees.

The repository's tags are immutable, and pulumi-docker rebuilds (and pushes again *under the same
name*) whenever its own hash of the build context changes — ECR would refuse that second push of
a tag. So the tag is a hash of the Dockerfile, every file the ``.dockerignore`` lets into the
context, the ``.dockerignore`` itself, the build args, the platform and the target: unchanged code
means the same tag (no rebuild, no push), changed code a new tag. A superset of what the build
sees is safe; a subset would be fatal, so nothing the build can see is left out.

When ECR already holds the tag (a rollback to an earlier content, or any run after the push),
the stack declares no ``docker.Image`` at all and runs the digest ECR lists for it: nothing can
build or push. (An Image kept with ``ignore_changes`` would still push: the engine restores the
ignored inputs *before* pulumi-docker's Check, which recomputes the build context's digest from the
working tree, so Diff sees a change and Update pushes to the old, immutable tag.) An Image the
state still holds from the release before simply leaves the state: pulumi-docker's Delete does
nothing.

``pulumi preview`` builds nothing (``build_on_preview`` off), but pulumi-docker connects to the
Docker daemon whenever it starts (preview, up, refresh, destroy of a stack with an Image), and
``pulumi up`` builds and pushes through it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

from .. import token
from ..shared.errors import InvalidValue

_ARG_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


# --------------------------------------------------------------------------------------------
# .dockerignore, as Docker reads it (moby/patternmatcher).


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex over slash-separated paths: ``*`` and ``?`` stay in one
    path element, ``**`` spans any number of them."""
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if pattern[i:i + 2] == "**":
                i += 2
                if pattern[i:i + 1] == "/":
                    out += "(?:.*/)?"
                    i += 1
                else:
                    out += ".*"
                continue
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(char)
        i += 1
    return re.compile(f"^{out}$")


def read_dockerignore(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception ``!``, regex) per pattern, in order; comments and blank lines skipped."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:].strip()
        line = os.path.normpath(line).replace(os.sep, "/").lstrip("/")
        if line == ".":
            line = "*" if not negate else line
        patterns.append((negate, _pattern_regex(line)))
    return patterns


def is_ignored(path: str, patterns: Sequence[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves ``path`` (relative, slash-separated) out of the build context: the
    last pattern that matches it or one of its parent directories decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for negate, regex in patterns:
        if any(regex.match(c) for c in candidates):
            ignored = not negate
    return ignored


def ignore_file(context: Path, dockerfile: Path | None = None) -> Path:
    """The ignore file BuildKit reads: ``<Dockerfile>.dockerignore`` next to the Dockerfile when it
    exists, else the context's ``.dockerignore``."""
    if dockerfile is not None:
        specific = dockerfile.with_name(dockerfile.name + ".dockerignore")
        if specific.is_file():
            return specific
    return context / ".dockerignore"


def context_files(context: Path, dockerfile: Path | None = None) -> list[str]:
    """The files Docker sends as the build context, relative to ``context``, sorted."""
    ignore = ignore_file(context, dockerfile)
    patterns = read_dockerignore(ignore.read_text(encoding="utf-8")) if ignore.is_file() else []
    files = []
    for root, dirs, names in os.walk(context):
        dirs.sort()
        for name in names:
            rel = Path(root, name).relative_to(context).as_posix()
            if not is_ignored(rel, patterns):
                files.append(rel)
    return sorted(files)


def content_tag(context: Path, dockerfile: Path, build_args: Mapping[str, str], platform: str,
                target: str | None, *, paths: tuple[str, str] | None = None) -> str:
    """``sha-`` and 16 hex digits of a hash over everything the build sees — and everything that
    makes pulumi-docker rebuild: each file's mode as well as its bytes, the ignore file BuildKit
    uses (``<Dockerfile>.dockerignore`` first), and the context and Dockerfile paths as written
    (``paths``). Whatever changes a rebuild changes the tag, so no rebuild re-pushes a tag."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("dockerfile", dockerfile.read_bytes())
    ignore = ignore_file(context, dockerfile)
    if ignore.is_file():
        add(f"ignore:{ignore.name}", ignore.read_bytes())
    for rel in context_files(context, dockerfile):
        add(f"file:{rel}", (context / rel).read_bytes())
        add(f"mode:{rel}", oct((context / rel).stat().st_mode & 0o7777).encode())
    if paths is not None:
        add("paths", "\0".join(paths).encode())
    for key in sorted(build_args):
        add(f"arg:{key}", str(build_args[key]).encode())
    add("platform", platform.encode())
    add("target", (target or "").encode())
    return f"sha-{digest.hexdigest()[:16]}"


def dockerfile_port(dockerfile: Path) -> tuple[int | None, int | None]:
    """(the last ``EXPOSE`` port, the ``--port`` of the final ``CMD``/``ENTRYPOINT``), each None when
    absent: the port the image's command listens on, as the image itself states it."""
    exposed = command = None
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        expose = re.match(r"^\s*EXPOSE\s+([0-9]+)(/tcp)?\b", line, re.I)
        if expose:
            exposed = int(expose[1])
        if re.match(r"^\s*(CMD|ENTRYPOINT)\b", line, re.I):
            flag = re.search(r"""["']?--port["']?\s*[,=]?\s*["']?([0-9]+)""", line)
            command = int(flag[1]) if flag else command
    return exposed, command


GRANIAN_KEEP_ALIVE_DEFAULT = 30.0
"""Seconds granian keeps an idle HTTP/1 keep-alive connection without ``--http1-header-read-timeout``
(its default, 30000 ms: ``granian --help``; measured 30.0 s by the 2026-12-07 workload audit, W42)."""


def dockerfile_command(dockerfile: Path) -> list[str] | None:
    """The final exec-form (JSON) ``CMD`` of a Dockerfile, else None."""
    command = None
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*CMD\s+(\[.*\])\s*$", line, re.I)
        if match:
            try:
                parsed = json.loads(match[1])
            except json.JSONDecodeError:
                parsed = None
            command = parsed if isinstance(parsed, list) and all(isinstance(a, str) for a in parsed) else None
    return command


def server_timing(dockerfile: Path) -> tuple[float | None, float | None]:
    """(seconds the image's server keeps an idle keep-alive connection, seconds it may take to finish
    what is in flight after SIGTERM), from its command when the server is granian; None when not
    known (another server). Without ``--workers-kill-timeout`` granian waits for its workers without
    limit (the drain is infinite: only the kubelet's SIGKILL ends it)."""
    command = dockerfile_command(dockerfile)
    if not command or Path(command[0]).name != "granian":
        return None, None

    def flag(name: str) -> str | None:
        for i, arg in enumerate(command):
            if arg == name and i + 1 < len(command):
                return command[i + 1]
            if arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
        return None

    read_timeout, kill_timeout = flag("--http1-header-read-timeout"), flag("--workers-kill-timeout")
    keep_alive = int(read_timeout) / 1000 if read_timeout and read_timeout.isdigit() else GRANIAN_KEEP_ALIVE_DEFAULT
    seconds = re.fullmatch(r"([0-9]+)s?", kill_timeout or "")
    drain = float(seconds[1]) if seconds else float("inf")
    return keep_alive, drain


def dockerfile_user(dockerfile: Path) -> int | None:
    """The numeric UID of the Dockerfile's last ``USER`` (``USER 10001:10001``), else None."""
    uid = None
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*USER\s+(\S+)", line, re.I)
        if match:
            user = match[1].split(":", 1)[0]
            uid = int(user) if user.isdigit() else None
    return uid


# --------------------------------------------------------------------------------------------
# The component.


Platform = Literal["linux/amd64", "linux/arm64"]
PLATFORMS: tuple[str, ...] = get_args(Platform)


@dataclass(frozen=True)
class ImageSpec:
    """What a stack says about the service's image build."""

    platform: Platform
    """Exactly one platform: the architecture of the node group the service runs on."""
    context: str = "app"
    """Build context, relative to the project directory (as the Pulumi CLI runs the program)."""
    dockerfile: str | None = None
    """Relative to the project directory (pulumi-docker reads it so), not to the context;
    None: ``CONTEXT/Dockerfile``."""
    build_args: Mapping[str, str] = field(default_factory=dict)
    """Docker build arguments (part of the content tag)."""
    target: str | None = None
    """A Dockerfile stage to build; None: the last stage."""

    @property
    def dockerfile_path(self) -> str:
        return self.dockerfile if self.dockerfile is not None else f"{self.context}/Dockerfile"


@dataclass(frozen=True)
class ServiceImageArgs:
    """The spec and the repository the image is pushed to."""

    spec: ImageSpec
    """Everything the stack says about the build."""
    repository_url: pulumi.Input[str]
    """The ECR repository to push to (``EcrRepository.repository_url``)."""
    registry_id: pulumi.Input[str]
    """Its registry (account), for the authorization token."""
    repository_name: str
    """The repository's name, to look up whether the tag is already there (a rollback)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the push waits for: the registry's replication configuration, so that the first image
    is replicated too (ECR replicates only what is pushed after the configuration exists)."""


def check_image_spec(args: ImageSpec, root: Path | None = None) -> None:
    """Raise ``InvalidValue`` (paths relative to ``workload``)."""
    root = root or Path.cwd()
    for key in ("context", "dockerfile"):
        value = args.context if key == "context" else args.dockerfile_path
        if not isinstance(value, str) or Path(value).is_absolute():
            raise InvalidValue(key, value, "must be a path relative to the project directory (an absolute path "
                                           "differs per checkout and would change the image on every machine)")
    if not (root / args.context).is_dir():
        raise InvalidValue("context", args.context, "is not a directory of the project")
    if not (root / args.dockerfile_path).is_file():
        raise InvalidValue("dockerfile", args.dockerfile_path, "is not a file of the project")
    if args.platform not in PLATFORMS:
        raise InvalidValue("platform", args.platform, f"is not one of {', '.join(PLATFORMS)}")
    for key in args.build_args:
        if not _ARG_NAME_RE.match(key):
            raise InvalidValue(f"build_args.{key}", key, "is not a build argument name")


def image_tag(spec: ImageSpec, root: Path | None = None) -> str:
    """The content tag of ``spec``'s build, with paths relative to ``root`` (the project directory)."""
    root = root or Path.cwd()
    return content_tag(root / spec.context, root / spec.dockerfile_path, spec.build_args, spec.platform,
                       spec.target, paths=(spec.context, spec.dockerfile_path))


def existing_digest(repository: str, tag: str, parent: pulumi.Resource) -> str | None:
    """The digest ``tag`` has in ``repository`` already, or None (also when the repository does not
    exist yet: a first run). ECR's ListImages, through the provider — asked only once the
    repository is in the registry's list: a failed invoke fails the whole run, even when caught."""
    options = pulumi.InvokeOptions(parent=parent)
    if repository not in (aws.ecr.get_repositories(opts=options).names or []):
        return None
    result = aws.ecr.get_images(repository_name=repository, opts=options)
    for image in result.image_ids or []:
        if image.image_tag == tag:
            return image.image_digest
    return None


class ServiceImage(pulumi.ComponentResource):
    """The service's image in ECR, by content tag; ``repo_digest`` is what a Deployment runs."""

    tag: str
    image: docker.Image | None
    """The build and push, declared only when ECR does not hold the tag yet."""
    image_name: pulumi.Output[str]
    repo_digest: pulumi.Output[str]
    """``REPOSITORY@sha256:...``: the image pushed, or the one ECR holds, never a tag that could move."""
    pushed: bool
    """Whether this run pushes the tag (False: it is already in ECR, and its digest is run)."""

    def __init__(self, name: str, args: ServiceImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(token("ServiceImage"), name, None, opts)
        spec = args.spec
        check_image_spec(spec)
        self.tag = image_tag(spec)
        self.image_name = pulumi.Output.concat(args.repository_url, ":", self.tag)
        existing = existing_digest(args.repository_name, self.tag, self)
        self.pushed = existing is None
        if existing is not None:
            # Already in ECR (a rollback, or a run after the push): run that digest; declare nothing
            # that could build or push (its tag is immutable: a second push is refused).
            self.image = None
            self.repo_digest = pulumi.Output.concat(args.repository_url, "@", existing)
            self.register_outputs({"tag": self.tag, "repo_digest": self.repo_digest})
            return
        auth = aws.ecr.get_authorization_token_output(
            registry_id=args.registry_id, opts=pulumi.InvokeOutputOptions(parent=self))
        self.image = docker.Image(
            f"{name}-image",
            image_name=self.image_name,
            build=docker.DockerBuildArgs(
                context=spec.context, dockerfile=spec.dockerfile_path, platform=spec.platform,
                args=dict(spec.build_args) or None, target=spec.target),
            registry=docker.RegistryArgs(
                server=auth.proxy_endpoint, username=auth.user_name,
                # The token is a password for 12 hours: never in the state in plain text.
                password=pulumi.Output.secret(auth.password)),
            # preview builds nothing; up builds and pushes the tag ECR does not hold.
            build_on_preview=False, skip_push=False,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on),
                # ECR does not hold the tag, so this `up` must push it, even when the state holds
                # an Image with exactly these inputs (the tag was pushed, then deleted or expired:
                # Diff would find nothing and the Deployment would run a digest ECR no longer has).
                # A value no earlier run had makes the engine replace the Image, i.e. push again.
                replacement_trigger=secrets.token_hex(16)))
        self.repo_digest = self.image.repo_digest
        self.register_outputs({"tag": self.tag, "repo_digest": self.repo_digest})
