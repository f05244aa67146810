"""Benchmark: hw05's byte-level BPE (train_bpe, encode and decode, the reference solution read from the source notebook)
against the ``tokenizers`` library's byte-level BPE trainer, configured the same way (GPT-2 pre-tokenizer, no prefix space,
no special tokens, the 256-byte initial alphabet).

Both learn merges on the first 90% of tinyshakespeare, for each vocabulary size. Prints, per size: whether the merges, the
vocabularies and the token ids of the held-out 10% are identical, the round trip, the held-out bytes per token, and the
seconds each needs to train and to encode. Exits with status 1 if anything differs. Not a pytest test (it trains several
vocabularies on the whole corpus):

    python tests/benchmarks/hw05_bpe_vs_tokenizers.py [--vocab-sizes 512 1024 4096]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

DEFINITION_CELLS = {"setup", "imports", "pretokenize", "hf_bpe"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab-sizes", type=int, nargs="+", default=[512, 1024, 4096])
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)

    import helpers

    ref = reference.load_reference("hw05_rnns_and_subwords", DEFINITION_CELLS,
                                   {"train_bpe", "encode", "decode", "tokenizers_bpe"})
    print(helpers.describe_hardware())
    text = helpers.load_tinyshakespeare()
    cut = int(0.9 * len(text))
    train_text, held_out = text[:cut], text[cut:]
    print(f"tinyshakespeare: {len(train_text):,} training and {len(held_out):,} held-out characters\n")
    header = (f"{'vocab':>6}{'merges':>8}{'same merges':>13}{'same vocab':>12}{'same ids':>10}{'round trip':>12}"
              f"{'bytes/token':>13}{'train s (ours/theirs)':>24}{'encode s (ours/theirs)':>25}")
    print(header + "\n" + "-" * len(header))
    all_equal = True
    for size in args.vocab_sizes:
        start = time.perf_counter()
        vocab, merges = ref["train_bpe"](train_text, size)
        ours_train = time.perf_counter() - start
        start = time.perf_counter()
        tokenizer, their_vocab, their_merges = ref["tokenizers_bpe"](train_text, size)
        theirs_train = time.perf_counter() - start
        start = time.perf_counter()
        ids = ref["encode"](held_out, vocab, merges)
        ours_encode = time.perf_counter() - start
        start = time.perf_counter()
        their_ids = tokenizer.encode(held_out).ids
        theirs_encode = time.perf_counter() - start
        same = ([tuple(m) for m in merges] == their_merges, vocab == their_vocab, ids == their_ids,
                ref["decode"](ids, vocab) == held_out)
        all_equal &= all(same)
        print(f"{size:>6}{len(merges):>8}" + "".join(f"{str(s):>{w}}" for s, w in zip(same, (13, 12, 10, 12)))
              + f"{len(held_out.encode()) / len(ids):>13.2f}{f'{ours_train:.1f} / {theirs_train:.2f}':>24}"
              + f"{f'{ours_encode:.2f} / {theirs_encode:.3f}':>25}", flush=True)
    print("\nall identical" if all_equal else "\nDIFFERENCES: see the table")
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
