"""Which AWS API operations a Terraform AWS provider resource or data source calls, per CRUD
operation, found by walking the provider's Go source from the resource's entry points.

A resource is found by the annotation above its constructor (``@SDKResource("aws_x", ...)``,
``@FrameworkResource("aws_x", ...)``, and the data-source forms), or — in older provider versions
whose framework annotations carry no type name — by the ``"aws_x"`` literal its ``Metadata`` method
sets. Its entry points are the CRUD functions its ``schema.Resource`` names (SDKv2) or the
``Create``/``Read``/``Update``/``Delete`` methods of its struct and the structs it embeds
(Plugin Framework). From there every call is followed: a package function, a method of any type in
the package (by name), a function of another ``internal/service`` package through its import
alias, and an AWS SDK operation, recognised by its input struct (``ecr.DescribeImagesInput``), its
paginator (``ecr.NewListImagesPaginator``) or its SDK v1 ``...WithContext`` method.

Transparent tagging: a resource annotated ``@Tags`` has its tags listed after every Read and
updated on Update by the provider's interceptors (``internal/provider/.../tags_interceptor.go``),
through the package's generated ``listTags`` and ``updateTags``; a Create that sends tags
(``getTagsIn``/``getTagSpecificationsIn``) needs the tagging action too (tag-on-create
authorisation: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html#access_tags_control-requests).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .gosource import Function, Package, Tree

SDK_PREFIXES = ("github.com/aws/aws-sdk-go-v2/service/", "github.com/aws/aws-sdk-go/service/")
INTERNAL_SERVICE = "github.com/hashicorp/terraform-provider-aws/internal/service/"
OPERATIONS = ("create", "read", "update", "delete")

# Calls that never reach AWS, by naming convention of the provider (pure conversions and checks):
# not followed, and not reported as missing when a partial copy leaves them out.
PURE = re.compile(
    r"^(expand|flatten|validate|valid|new[A-Z]\w*Model|sweep|testAcc|flex|suppress|diffSuppress|customizeDiff"
    r"|resourceSchema|schema|dataSourceSchema|[a-z]+Schema$|[a-z]+ARN$"
    # tag-map conversions (tags_gen.go: svcTags/keyValueTags build maps; they send nothing)
    r"|svcTags$|keyValueTags$|getTagsIn|setTagsOut|getTagSpecificationsIn"
    # resource IDs and names: parsing and formatting strings
    r"|\w*ResourceID$|\w*ImportID$|\w*CreateID$|clean[A-Z]\w*|normalize[A-Z]\w*|trim[A-Z]\w*|fqdn$"
    # comparing and reporting what the API returned
    r"|matchRules$|unsuccessfulItemsError$)")
GO_WORDS = frozenset("""append cap close complex copy delete imag len make new panic print println real recover
    min max clear func return if for range switch case go defer select type struct map chan interface var const
    string int int32 int64 float64 bool byte rune error any uint uint8 uint16 uint32 uint64 float32 uintptr""".split())


@dataclass(frozen=True)
class Call:
    """One AWS API operation, where the source calls it."""

    sdk: str        # the SDK package's name (ecr, ec2, elasticloadbalancingv2, ...)
    operation: str  # the API operation (DescribeImages)
    source: str     # path@commit:function


@dataclass
class Walk:
    """The operations reachable from some entry points, and the local calls the tree lacks."""

    calls: dict[tuple[str, str], Call] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    seen: set[tuple[str, str | None, str]] = field(default_factory=set)

    def add(self, call: Call) -> None:
        self.calls.setdefault((call.sdk, call.operation), call)


def _sdk_alias_map(fn: Function) -> dict[str, str]:
    """alias -> SDK service package name, for the file of ``fn``."""
    out = {}
    for alias, path in fn.imports.items():
        for prefix in SDK_PREFIXES:
            if path.startswith(prefix):
                rest = path[len(prefix):]
                if "/" not in rest:  # the client package, not .../types
                    out[alias] = rest
    return out


def _internal_alias_map(fn: Function) -> dict[str, str]:
    return {alias: "internal/service/" + path[len(INTERNAL_SERVICE):]
            for alias, path in fn.imports.items() if path.startswith(INTERNAL_SERVICE)}


# SDK helper functions that send an API request of their own: (import path, function) -> (sdk, operation).
HELPERS = {("github.com/aws/aws-sdk-go-v2/feature/s3/manager", "GetBucketRegion"): ("s3", "HeadBucket")}


def operations_in(fn: Function, known: Mapping[str, str] | None = None) -> Iterable[Call]:
    """The SDK operations a function's own body calls: ``conn.Op(ctx, ...)`` (v2),
    ``conn.OpWithContext(ctx, ...)`` (v1) or ``svc.NewOpPaginator(...)``, for the operations whose
    input type the package uses (``known``: operation -> SDK package; an ``…Input`` struct used only
    as data, as IAM's role read does with ``PutRolePolicyInput``, is not a call)."""
    for alias, path in fn.imports.items():
        for (helper_path, helper), (sdk, operation) in HELPERS.items():
            if path == helper_path and re.search(rf"\b{re.escape(alias)}\.{helper}\(", fn.body):
                yield Call(sdk, operation, fn.cite())
    sdks = _sdk_alias_map(fn)
    for alias, sdk in sdks.items():
        for m in re.finditer(rf"\b{re.escape(alias)}\.New(\w+?)Paginator\(", fn.body):
            yield Call(sdk, m.group(1), fn.cite())
    ops = dict(known or {})
    if not ops:  # a lone function: the input types it names itself
        ops = {m.group(2): sdks[m.group(1)] for m in re.finditer(r"\b(\w+)\.(\w+?)Input\b", fn.body)
               if m.group(1) in sdks}
    for m in re.finditer(r"\.(\w+?)(?:Pages)?(?:WithContext)?\(", fn.body):
        if m.group(1) in ops:
            yield Call(ops[m.group(1)], m.group(1), fn.cite())


def package_operations(pkg: Package) -> dict[str, str]:
    """operation -> SDK package, for every ``svc.OpInput`` type the package names."""
    found: dict[str, str] = {}
    for fn in [*pkg.functions.values(), *(m for same in pkg.methods.values() for m in same)]:
        sdks = _sdk_alias_map(fn)
        for m in re.finditer(r"\b(\w+)\.(\w+?)Input\b", fn.body + fn.signature):
            if m.group(1) in sdks:
                found.setdefault(m.group(2), sdks[m.group(1)])
    return found


def _local_calls(fn: Function) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """Bare function calls, method calls (by name) and calls into other service packages."""
    bare = {m.group(1) for m in re.finditer(r"(?<![\w.])([A-Za-z_]\w*)\s*(?:\[[^\]\n]*\])?\(", fn.body)}
    methods = {m.group(1) for m in re.finditer(r"\.([a-zA-Z_]\w*)\(", fn.body)}
    internal = _internal_alias_map(fn)
    cross = {(internal[a], f) for a, f in re.findall(r"\b(\w+)\.([A-Z]\w*)\(", fn.body) if a in internal}
    return bare - GO_WORDS, methods, cross


def narrow(fn: Function, resource_type: str) -> Function:
    """``fn`` with each ``switch resourceType`` cut to its ``case "RESOURCE_TYPE":`` — how a
    service's tag functions dispatch on the kind of resource (IAM's role, policy, OIDC provider...)."""
    body = fn.body
    m = re.search(r"switch\s+resourceType\s*\{", body)
    if m is None:
        return fn
    depth, end = 0, len(body)
    for i in range(m.end() - 1, len(body)):
        depth += {"{": 1, "}": -1}.get(body[i], 0)
        if depth == 0:
            end = i + 1
            break
    cases = re.split(r"\n\s*(?=case\s|default:)", body[m.end():end - 1])
    kept = "".join(c for c in cases if re.match(rf'case\s[^:]*"{re.escape(resource_type)}"', c))
    return Function(fn.package, fn.name, fn.receiver, body[:m.start()] + kept + body[end:], fn.signature,
                    fn.annotations, fn.origin, fn.imports)


def walk(tree: Tree, entries: Iterable[Function], walk_: Walk | None = None, depth: int = 40,
         resource_type: str | None = None) -> Walk:
    """Every SDK operation reachable from ``entries`` (tag dispatchers narrowed to ``resource_type``)."""
    result = walk_ or Walk()
    stack = [(fn, 0) for fn in entries]
    while stack:
        fn, level = stack.pop()
        if fn.key in result.seen or level > depth:
            continue
        result.seen.add(fn.key)
        if resource_type is not None:
            fn = narrow(fn, resource_type)
        pkg = tree.packages[fn.package]
        if pkg.operations is None:
            pkg.operations = package_operations(pkg)
        for call in operations_in(fn, pkg.operations):
            result.add(call)
        bare, methods, cross = _local_calls(fn)
        # Functions passed as values (`routeFinder = findRouteByIPv4Destination`) are followed too.
        # (Sorted: the first function found to make a call is its cited source, the same every run.)
        for name in sorted(set(re.findall(r"(?<![\w.])([A-Za-z_]\w*)\b(?!\s*[(:])", fn.body)) & set(pkg.functions)):
            stack.append((pkg.functions[name], level + 1))
        for name in sorted(bare):
            if name in pkg.functions:
                stack.append((pkg.functions[name], level + 1))
            elif (name[0].islower() and not PURE.match(name) and name not in _locals(fn) and name not in fn.imports
                  and name not in pkg.types):
                result.missing.add(f"{fn.package}:{name} (called by {fn.cite()})")
        for name in sorted(methods):
            for method in pkg.methods.get(name, ()):
                stack.append((method, level + 1))
        for package, name in sorted(cross):
            other = tree.packages.get(package)
            if other is None:
                result.missing.add(f"{package} (package not read; called by {fn.cite()})")
            elif name in other.functions or other.aliases.get(name) in other.functions:
                stack.append((other.functions[other.aliases.get(name, name) if name not in other.functions
                                              else name], level + 1))
            else:
                result.missing.add(f"{package}:{name} (called by {fn.cite()})")
    return result


def _locals(fn: Function) -> set[str]:
    """Names the body binds itself (closures, parameters reused as funcs): not package calls."""
    names = set(re.findall(r"\b(\w+)\s*:?=\s*func\b", fn.body))
    names |= set(re.findall(r"[(,]\s*(\w+)\s+(?:func|\w)", fn.signature))
    names |= set(re.findall(r"\bvar\s+(\w+)", fn.body))
    names |= set(re.findall(r"\b(\w+)\s+func\(", fn.body))
    names |= set(re.findall(r"\b(\w+)\s*(?:,\s*\w+\s*)*:=", fn.body))
    return names


@dataclass
class Entries:
    """A resource's or data source's entry points, per operation, and whether it is tagged."""

    tf_type: str
    kind: str  # resource | data-source
    constructor: Function
    by_operation: dict[str, list[Function]]
    tagged: bool
    tags_resource_type: str | None = None
    """``@Tags(resourceType="Role")``: the kind the service's tag functions dispatch on."""


_ANNOTATION = re.compile(r'^@(?P<kind>SDKResource|FrameworkResource|SDKDataSource|FrameworkDataSource)'
                         r'\((?:"(?P<type>aws_[a-z0-9_]+)")?')
_SDK_CRUD = re.compile(r"\b(?P<op>Create|Read|Update|Delete)(?P<suffix>WithoutTimeout|Context)?\s*:\s*(?P<fn>\w+)\b(?!\.)")


def find_entries(tree: Tree, package: str, tf_type: str, data_source: bool = False) -> Entries:
    """The entry points of ``tf_type`` in ``package`` — its resource, or its data source (several
    names are both); ``LookupError`` when it is not there."""
    pkg = tree.packages[package]
    for fn in pkg.functions.values():
        for note in fn.annotations:
            m = _ANNOTATION.match(note)
            if m is None or ("DataSource" in m.group("kind")) != data_source:
                continue
            named = m.group("type") or _metadata_type(pkg, fn)
            if named == tf_type:
                return _entries(pkg, fn, m.group("kind"), tf_type)
    raise LookupError(f"{tf_type}: no constructor annotated for it in {package}")


def _metadata_type(pkg: Package, constructor: Function) -> str | None:
    """Older framework resources name their type in ``Metadata`` (``response.TypeName = "aws_x"``)."""
    struct = _framework_struct(constructor)
    for literal, fn in pkg.literals:
        if fn.name == "Metadata" and fn.receiver == struct:
            return literal
    return None


def _framework_struct(constructor: Function) -> str | None:
    m = re.search(r"&(\w+)\{", constructor.body)
    return m.group(1) if m else None


def _entries(pkg: Package, constructor: Function, kind: str, tf_type: str) -> Entries:
    tagged = any(note.startswith("@Tags") for note in constructor.annotations)
    kinds = [m.group(1) for note in constructor.annotations if note.startswith("@Tags")
             for m in [re.search(r'resourceType="(\w+)"', note)] if m]
    by_op: dict[str, list[Function]] = {op: [] for op in OPERATIONS}
    if kind.startswith("SDK"):
        for m in _SDK_CRUD.finditer(constructor.body):
            fn = pkg.functions.get(m.group("fn"))
            if fn is None:
                if m.group("suffix"):
                    raise LookupError(f"{tf_type}: {m.group('fn')} is named by {constructor.cite()} but not in the "
                                      "tree")
                continue  # `Delete: schema.DefaultTimeout(...)` in a Timeouts block
            by_op[m.group("op").lower()].append(fn)
    else:
        struct = _framework_struct(constructor)
        if struct is None:
            raise LookupError(f"{tf_type}: cannot find the struct {constructor.cite()} returns")
        types = _with_embedded(pkg, struct)
        for op in OPERATIONS:
            for method in pkg.methods.get(op.capitalize(), ()):
                if method.receiver in types:
                    by_op[op].append(method)
    data_source = "DataSource" in kind
    if data_source:
        by_op = {"read": by_op["read"], "create": [], "update": [], "delete": []}
    if not by_op["read"]:
        raise LookupError(f"{tf_type}: no Read entry point found from {constructor.cite()}")
    return Entries(tf_type, "data-source" if data_source else "resource", constructor, by_op, tagged,
                   kinds[0] if kinds else None)


def _with_embedded(pkg: Package, struct: str) -> set[str]:
    found, todo = set(), [struct]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        todo.extend(e.split(".")[-1] for e in pkg.embeds.get(name, ()))
    return found
