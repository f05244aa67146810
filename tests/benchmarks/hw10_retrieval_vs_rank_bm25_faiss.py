"""Benchmark: hw10's retrievers (the reference solution read from the source notebook) against the libraries people use.

* BM25 with ``idf_variant="okapi"`` against ``rank_bm25.BM25Okapi`` (k1 1.5, b 0.75, epsilon 0.25) on the same tokens: the
  largest score difference over every question, and the time to index and score; on XQuAD's 240 paragraphs and on
  WikiText-2's 4,024 validation and test paragraphs, where the per-document Python loop of ``rank_bm25`` shows.
* Exact dense search (``search``: one matrix product and ``torch.topk``) against ``faiss.IndexFlatIP`` on the MiniLM
  embeddings of XQuAD's paragraphs: the same top 10 for every question, and the time of each.

Exits with status 1 if the BM25 scores differ by more than 1e-9, the course's BM25 is slower than ``rank_bm25``, or FAISS
returns other top-10 sets. Not a pytest test (it encodes 1,430 texts with MiniLM; about 30 s on 2 cores):

    python tests/benchmarks/hw10_retrieval_vs_rank_bm25_faiss.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

ASSIGNMENT = "hw10_retrieval_augmented_lms"


def bm25_against_rank_bm25(namespace: dict, name: str, documents: list[str], queries: list[str]) -> tuple[float, float]:
    """Score every query against every document with both implementations; print and return (max |diff|, speed-up)."""
    import numpy as np
    from rank_bm25 import BM25Okapi

    tokenize, course_bm25 = namespace["tokenize"], namespace["BM25"]
    tokens = [tokenize(text) for text in documents]
    query_tokens = [tokenize(text) for text in queries]
    started = time.perf_counter()
    ours = course_bm25(tokens, idf_variant="okapi")
    ours_scores = np.stack([ours.scores(q) for q in query_tokens])
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    theirs = BM25Okapi(tokens)
    theirs_scores = np.stack([theirs.get_scores(q) for q in query_tokens])
    theirs_s = time.perf_counter() - started
    difference = float(np.abs(ours_scores - theirs_scores).max())
    print(f"{name:<34}{len(documents):>9,}{len(queries):>9,}{ours_s:>10.2f}{theirs_s:>12.2f}{theirs_s / ours_s:>9.0f}x"
          f"{difference:>12.1e}")
    return difference, theirs_s / ours_s


def main() -> int:
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(reference.ROOT.parent / "shared" / "data"))
    namespace = reference.load_reference(ASSIGNMENT, {"setup", "imports"}, {"tokenize", "BM25", "encode", "search"})
    import faiss
    import numpy as np

    import helpers

    contexts = helpers.load_xquad("paragraphs")["context"]
    questions = helpers.load_xquad("questions")["question"]
    wikitext = [text for split in ("valid", "test") for text in helpers.load_wikitext2(split)["text"]]

    print(f"\n{'BM25 (okapi idf)':<34}{'docs':>9}{'queries':>9}{'course s':>10}{'rank_bm25 s':>12}{'ratio':>10}"
          f"{'max |diff|':>12}")
    results = [bm25_against_rank_bm25(namespace, "XQuAD paragraphs", contexts, questions),
               bm25_against_rank_bm25(namespace, "WikiText-2 paragraphs", wikitext, questions[:200])]

    tokenizer, model = helpers.load_sentence_encoder()
    passages = namespace["encode"](contexts, tokenizer, model)
    queries = namespace["encode"](questions, tokenizer, model)
    started = time.perf_counter()
    _, ours = namespace["search"](queries, passages, 10)
    ours_s = time.perf_counter() - started
    index = faiss.IndexFlatIP(passages.shape[1])
    index.add(passages.numpy())
    started = time.perf_counter()
    _, theirs = index.search(queries.numpy(), 10)
    theirs_s = time.perf_counter() - started
    same_lists = float(np.mean(np.all(ours.numpy() == theirs, axis=1)))
    same_sets = float(np.mean([set(a) == set(b) for a, b in zip(ours.numpy(), theirs)]))
    print(f"\nexact top-10 search, {len(questions):,} questions x {len(contexts)} paragraphs (MiniLM, 384 dimensions)")
    print(f"  course search: {ours_s * 1e3:.1f} ms   faiss IndexFlatIP: {theirs_s * 1e3:.1f} ms   "
          f"same top-10 lists: {same_lists:.4f}   same top-10 sets: {same_sets:.4f}")
    ok = all(difference <= 1e-9 and ratio > 1 for difference, ratio in results) and same_sets == 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
