"""``critparse train chia``: convert Chia and train the entity model (CPU, one command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from .app import app, fail

train_app = typer.Typer(help="Train critparse models.", no_args_is_help=True)
app.add_typer(train_app, name="train")


@train_app.callback()
def _train() -> None:
    """Train critparse models (CPU)."""


def _overrides(items: List[str]) -> dict:
    out = {}
    for it in items:
        if "=" not in it:
            raise typer.BadParameter(f"override {it!r} must look like section.key=value")
        k, v = it.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


@train_app.command("chia")
def train_chia(
    corpus: Optional[Path] = typer.Argument(None, help="Chia BRAT folder or zip (default: $CRITPARSE_CORPORA/chia/original/chia_without_scope_trainval.zip)"),
    out: Path = typer.Option(Path("src/critparse/models/critparse_chia_ner"), "--out", "-o", help="where the best pipeline is written"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="spaCy config (default: the shipped chia_ner.cfg)"),
    override: List[str] = typer.Option([], "--set", help="config override, e.g. --set training.max_epochs=5"),
    limit: Optional[int] = typer.Option(None, help="convert only the first N criterion lines (smoke runs)"),
    work_dir: Optional[Path] = typer.Option(None, help="keep DocBins and checkpoints here (default: a temp dir)"),
    pretrain: bool = typer.Option(False, "--pretrain", help="first pretrain tok2vec on unlabelled criteria text (ctgov_xml_2023 + Chia train)"),
    init_tok2vec: Optional[Path] = typer.Option(None, help="start from pretrained tok2vec weights (spacy pretrain output)"),
    vectors: Optional[Path] = typer.Option(None, help="static vectors: a spaCy vectors folder from `critparse train vectors` (copied into the model)"),
    train_dev_steps: Optional[int] = typer.Option(None, help="train on train+dev for exactly N steps (N chosen on dev by an earlier run); keeps the last model"),
) -> None:
    """Convert Chia to DocBins (split by trial id), train, copy model-best to --out."""
    from ..train import default_corpus, train

    src = corpus or default_corpus()
    if not src.exists():
        raise fail(f"Chia corpus not found at {src}")
    info = train(src, out, config=config, overrides=_overrides(override), limit=limit, work_dir=work_dir,
                 pretrain=pretrain, init_tok2vec=init_tok2vec, vectors=vectors, train_dev_steps=train_dev_steps)
    typer.echo(json.dumps(info.get("performance", {}), indent=1))


@train_app.command("vectors")
def train_vectors(
    work: Path = typer.Option(..., "--work", "-w", help="working folder; the spaCy vectors end up in WORK/vectors"),
    dim: int = typer.Option(100, help="vector width"),
    bucket: int = typer.Option(50000, help="rows of the floret hash table"),
    epoch: int = typer.Option(10, help="floret epochs"),
    chia: Optional[Path] = typer.Option(None, help="Chia zip (its train lines are text, its dev trials are left out)"),
) -> None:
    """Train floret vectors on the unlabelled criteria text (XML records, Chia train, LCT, v2 sample; no Chia dev trial)."""
    from ..train import default_corpus
    from ..train.vectors import FloretSettings, build_vectors

    out = build_vectors(work, chia=chia or default_corpus(), settings=FloretSettings(dim=dim, bucket=bucket, epoch=epoch))
    typer.echo(str(out))
