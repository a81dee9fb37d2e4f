"""``spacy-minialbert distill``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from .app import app


@app.command(
    "distill",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def distill_command(
    ctx: typer.Context,
    config_path: Path = typer.Argument(
        ..., metavar="CONFIG", help="The distillation config (.cfg)."
    ),
    output_dir: Path = typer.Argument(
        ..., metavar="OUTPUT_DIR", help="Directory for the student and checkpoints."
    ),
    device: str | None = typer.Option(
        None, "--device", help="auto, cpu, cuda or cuda:N (overrides system.device)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Insist on resuming (a checkpoint in OUTPUT_DIR resumes anyway)."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Discard a checkpoint in OUTPUT_DIR and start afresh."
    ),
) -> None:
    """Distil a MiniALBERT student from a BERT-family teacher, as CONFIG says.

    Any setting can be overridden as in `spacy train`: --training.max_steps 1000
    --data.paths '["notes/*.txt"]'. Several processes: torchrun --nproc-per-node N
    --no-python spacy-minialbert distill CONFIG OUTPUT_DIR.
    """
    from ..distill import distill, load_config, parse_overrides

    overrides = parse_overrides(ctx.args)
    if device is not None:
        overrides["system.device"] = device
    # Under torchrun only the first process talks; the others would repeat every line.
    main_process = os.environ.get("RANK", "0") == "0"
    logging.basicConfig(
        level=logging.INFO if main_process else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    config = load_config(config_path, overrides)
    result = distill(config, output_dir, resume=resume, overwrite=overwrite)
    if main_process:
        typer.echo(f"Student written to {result.output_dir} ({result.steps} steps).")
