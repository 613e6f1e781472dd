"""The one mock harness: runs the real ``__main__.py`` under Pulumi mocks and records the plan.

Used by ``python -m tools.preview`` and by the tests. It runs the program the way the Python
language host does (``run_in_stack`` on a fresh event loop), with a mock monitor that records
each registration as the engine would receive it (type, name, parent, provider, ``protect``,
inputs) and mocks that answer with plausible provider outputs for the stack's account and region.

- ``stack_files``: stack files read as the Pulumi CLI reads them;
- ``mocks``: the answers, a module per family, in one table from type to mock;
- ``monitor``: the recording monitor, the plan and the runner.
"""

from .mocks import EngineError, ImageState, LiveCluster, PlatformMocks
from .monitor import (
           Plan,
           PlannedResource,
           ProgramError,
           RecordingMonitor,
           run_function,
           run_program,
           run_stack,
)
from .stack_files import ROOT, StackFileError, StackSettings, load_stack, read_project, stack_names

__all__ = ["ROOT", "EngineError", "ImageState", "LiveCluster", "Plan", "PlannedResource", "PlatformMocks",
           "ProgramError", "RecordingMonitor",
           "StackFileError", "StackSettings", "load_stack", "read_project", "run_function", "run_program",
           "run_stack", "stack_names"]
