"""spaCy components of critparse, registered as factories."""


from spacy.language import Language
from spacy.tokens import Doc

from .. import constraints as _constraints

if not Doc.has_extension("constraints"):
    Doc.set_extension("constraints", default=None)


@Language.factory("critparse_constraints", assigns=["doc._.constraints"])
def make_constraints(nlp: Language, name: str):
    return ConstraintExtractor()


class ConstraintExtractor:
    """Sets ``doc._.constraints``: plain dicts with offsets local to the Doc."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.constraints = _constraints.extract(doc.text)
        return doc
