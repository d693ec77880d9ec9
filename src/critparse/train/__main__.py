"""``python -m critparse.train chia --out src/critparse/models/critparse_chia_ner``: the same as ``critparse train chia``."""

from ..cli.train import train_app

if __name__ == "__main__":  # pragma: no cover
    train_app(prog_name="python -m critparse.train")
