"""The project's benchmarks, run from the repository root as modules (``python -m
benchmarks.speed``, ``python -m benchmarks.memory MODEL``); docs/benchmarks.md has their
figures and commands, tests/benchmarks runs each at tiny shapes."""
