"""Benchmark: hw09's label-word scorer against what `transformers` gives for the same 8-shot prompts.

On the first 50 of the notebook's evaluation sentences (SST-2 dev), with one balanced 8-shot draw of the notebook's
demonstration pool, SmolLM2-135M-Instruct is asked four ways:

* the reference solution's ``continuation_logprobs`` on the whole prompt (no cache);
* the reference solution's ``cached_continuation_logprobs`` (the prefix's keys and values computed once);
* ``model.generate(..., max_new_tokens=1, output_scores=True)``: its log-softmax at the label words must equal the scorer's;
* the ``text-generation`` pipeline (greedy, one new token): the label it writes, when the token is a label word at all.

It prints the largest difference between the scorer and ``generate``'s scores, the accuracy of each, how often the
pipeline's token is not a label word, and the seconds per review. Not a pytest test (about three minutes on 2 cores):

    python tests/benchmarks/hw09_scoring_vs_pipelines.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

ASSIGNMENT = "hw09_prompting_and_icl"
N_REVIEWS = 50


def main() -> int:
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(reference.ROOT.parent / "shared" / "data"))
    ns = reference.load_reference(ASSIGNMENT, {"setup", "imports", "model", "data", "instruction"},
                                  {"continuation_logprobs", "cached_continuation_logprobs", "label_token_ids",
                                   "build_prompt", "sample_demonstrations"})
    import numpy as np
    import torch
    from transformers import pipeline

    tokenizer, model, encode = ns["tokenizer"], ns["model"], ns["encode"]
    texts, labels = ns["eval_texts"][:N_REVIEWS], ns["eval_labels"][:N_REVIEWS]
    words = ["negative", "positive"]
    label_ids = ns["label_token_ids"](tokenizer, words)
    draw = ns["sample_demonstrations"](ns["pool_labels"], 8, np.random.default_rng(1))
    prefix = ns["build_prompt"]("", [(ns["pool_texts"][i], ns["pool_labels"][i]) for i in draw], words)[0]
    queries = [ns["build_prompt"](text, [], words)[1] for text in texts]
    rows, seconds = {}, {}

    started = time.perf_counter()
    rows["scorer, no cache"] = torch.stack([ns["continuation_logprobs"](model, encode(prefix) + encode(q), label_ids)
                                            for q in queries])
    seconds["scorer, no cache"] = time.perf_counter() - started

    started = time.perf_counter()
    rows["scorer, cached prefix"] = ns["cached_continuation_logprobs"](model, encode(prefix), [encode(q) for q in queries],
                                                                       label_ids)
    seconds["scorer, cached prefix"] = time.perf_counter() - started

    started = time.perf_counter()
    generated = []
    for q in queries:
        ids = torch.tensor([encode(prefix) + encode(q)])
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=1, do_sample=False,
                                 output_scores=True, return_dict_in_generate=True, pad_token_id=tokenizer.pad_token_id)
        generated.append(out.scores[0][0].float().log_softmax(-1)[[i[0] for i in label_ids]])
    rows["model.generate scores"] = torch.stack(generated)
    seconds["model.generate scores"] = time.perf_counter() - started

    generator = pipeline("text-generation", model=model, tokenizer=tokenizer, device=model.device)
    started = time.perf_counter()
    written = [generator(prefix + q, max_new_tokens=1, do_sample=False, return_full_text=False)[0]["generated_text"]
               for q in queries]
    seconds["text-generation pipeline"] = time.perf_counter() - started
    as_label = np.array([words.index(w.strip()) if w.strip() in words else -1 for w in written])

    print(f"8-shot prompts ({len(encode(prefix))}-token prefix), {len(texts)} SST-2 dev reviews, SmolLM2-135M-Instruct")
    reference_scores = rows["scorer, no cache"]
    for name in ("scorer, cached prefix", "model.generate scores"):
        print(f"  largest |difference| to the uncached scorer, {name}: {(rows[name] - reference_scores).abs().max():.2e}")
    print(f"{'method':<28s} {'accuracy':>9s} {'s / review':>11s}")
    for name, scores in rows.items():
        accuracy = float((scores.argmax(1).numpy() == labels).mean())
        print(f"{name:<28s} {accuracy:>9.3f} {seconds[name] / len(texts):>11.3f}")
    pipeline_accuracy = float((as_label == labels).mean())
    print(f"{'text-generation pipeline':<28s} {pipeline_accuracy:>9.3f} {seconds['text-generation pipeline'] / len(texts):>11.3f}"
          f"   ({(as_label < 0).mean():.0%} of its tokens are not a label word: {sorted(set(written))[:6]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
