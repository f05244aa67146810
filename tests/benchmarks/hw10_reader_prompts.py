"""Benchmark: what the prompt and the answer extraction do for hw10's reader (SmolLM2-135M-Instruct).

The reader always sees the **gold** paragraph (or a piece of it), so retrieval plays no part; the questions are the
notebook's RAG sample (60 XQuAD questions, seed 0) and the demonstrations are the notebook's, both built by the notebook's
own cells. Variants, each scored with the reference solution's ``exact_match`` and ``token_f1``:

* the notebook's prompt: instruction, two demonstrations, greedy decoding stopped at a newline, ``extract_answer``;
* without the demonstrations;
* without the newline stop and ``extract_answer`` (16 new tokens, stripped: what the model says when nobody cuts it);
* the same instruction and demonstrations as chat turns through SmolLM2's chat template;
* the gold paragraph's best 24-word chunk (overlap 8, ranked by BM25 against the question) instead of the paragraph.

Not a pytest test (about six minutes on 2 cores):

    python tests/benchmarks/hw10_reader_prompts.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

ASSIGNMENT = "hw10_retrieval_augmented_lms"


def main() -> int:
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(reference.ROOT.parent / "shared" / "data"))
    ns = reference.load_reference(ASSIGNMENT, {"setup", "imports", "data", "instruction", "reader"},
                                  {"build_prompt", "extract_answer", "exact_match", "token_f1", "rag_sample"})
    import numpy as np
    import torch

    tokenizer, model = ns["smol_tokenizer"], ns["smol_model"]
    contexts, questions, gold = ns["contexts"], ns["question_texts"], ns["gold_paragraph"]
    references = ns["questions"]["answers"]
    demonstrations, build_prompt = ns["demonstrations"], ns["build_prompt"]

    def best_chunk(i: int) -> str:
        chunks = ns["chunk_words"](contexts[gold[i]], 24, 8)
        scores = ns["BM25"]([ns["tokenize"](c) for c in chunks]).scores(ns["tokenize"](questions[i]))
        return chunks[int(np.argmax(scores))]

    def chat(i: int, context: str) -> str:
        messages = [{"role": "system", "content": ns["INSTRUCTION"]}]
        for d in demonstrations:
            messages += [{"role": "user", "content": f"Context: {d['context']}\nQuestion: {d['question']}"},
                         {"role": "assistant", "content": d["answer"]}]
        messages.append({"role": "user", "content": f"Context: {context}\nQuestion: {questions[i]}"})
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    variants = {
        "notebook: 2 demonstrations, extract_answer": (lambda i: build_prompt(questions[i], contexts[gold[i]], demonstrations),
                                                        True),
        "no demonstrations": (lambda i: build_prompt(questions[i], contexts[gold[i]], []), True),
        "no newline stop, no extract_answer": (lambda i: build_prompt(questions[i], contexts[gold[i]], demonstrations),
                                               False),
        "chat template": (lambda i: chat(i, contexts[gold[i]]), True),
        "best 24-word chunk of the gold paragraph": (lambda i: build_prompt(questions[i], best_chunk(i), demonstrations),
                                                     True),
    }
    print(f"\nSmolLM2-135M-Instruct on {len(ns['rag_sample'])} XQuAD questions, gold context\n")
    print(f"{'variant':<44}{'EM':>7}{'F1':>7}{'s/question':>12}")
    newline = tokenizer.encode("\n")
    for name, (make_prompt, cut) in variants.items():
        predictions, started = [], time.perf_counter()
        for i in ns["rag_sample"]:
            batch = tokenizer(make_prompt(int(i)), return_tensors="pt")
            with torch.no_grad():
                output = model.generate(**batch, max_new_tokens=16, do_sample=False, pad_token_id=tokenizer.eos_token_id,
                                        eos_token_id=[tokenizer.eos_token_id] + (newline if cut else []))
            text = tokenizer.decode(output[0, batch["input_ids"].shape[1]:], skip_special_tokens=True)
            predictions.append(ns["extract_answer"](text) if cut else text.strip())
        seconds = (time.perf_counter() - started) / len(predictions)
        em = np.mean([ns["exact_match"](p, references[int(i)]) for p, i in zip(predictions, ns["rag_sample"])])
        f1 = np.mean([ns["token_f1"](p, references[int(i)]) for p, i in zip(predictions, ns["rag_sample"])])
        print(f"{name:<44}{em:>7.3f}{f1:>7.3f}{seconds:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
