"""Benchmark: hw11's DPO against `trl`'s `DPOTrainer` (trl 1.16.0, pinned in pyproject's dev extra) on the same pairs.

The notebook's 48 hh-rlhf pairs (held-out pairs with a last user turn of at most 24 tokens, responses cut to 32 tokens) and
its settings (beta 0.1, AdamW with learning rate 5e-5 and no weight decay, SmolLM2's last two blocks, 4 pairs per step,
two passes over the first 24 pairs):

1. **The same run, side by side.** The reference solution's loop (the notebook's ``dpo_train`` cell) and
   ``DPOTrainer.train()`` with the same pairs, steps and optimiser settings (no shuffling on either side), then the margins
   of both policies on the 24 trained and the 24 held-out pairs, and the seconds each took.
2. **The same loss on the same batch.** `DPOTrainer` tokenises and collates a batch its own way; on exactly that batch
   (its ``input_ids``, ``attention_mask`` and ``completion_mask``) and with the policy trained in 1 (so that the
   log-ratios are not zero), the reference solution's ``sequence_logprobs`` and ``dpo_loss`` must give trl's loss and its
   logged rewards (``rewards/chosen``, ``rewards/rejected``); its rows must be the sequences ``format_sft_example`` makes.

Not a pytest test (about four minutes on 2 cores; trl's run alone takes two):

    python tests/benchmarks/hw11_dpo_vs_trl.py
"""
from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

ASSIGNMENT = "hw11_alignment_rlhf"
N_PAIRS, N_TRAIN, BETA, LR, BATCH, EPOCHS, N_BLOCKS = 48, 24, 0.1, 5e-5, 4, 2, 2


def notebook_pairs(ns) -> list[tuple[str, str, str]]:
    """The pairs of the notebook's ``dpo_data`` cell (its selection rule, restated without the 40-second embedding cell)."""
    import numpy as np

    import helpers

    tokenizer = ns["tokenizer"]
    hh = helpers.load_hh_rlhf()
    held_out = np.random.default_rng(0).permutation(len(hh))[1600:]

    def clip(text):
        return tokenizer.decode(tokenizer.encode(text, add_special_tokens=False)[:32])

    index = [int(i) for i in held_out if hh[int(i)]["same_history"] and hh[int(i)]["chosen"] and hh[int(i)]["rejected"]
             and hh[int(i)]["chosen"] != hh[int(i)]["rejected"]
             and len(tokenizer.encode(hh[int(i)]["prompt"], add_special_tokens=False)) <= 24][:N_PAIRS]
    return [(hh[i]["prompt"], clip(hh[i]["chosen"]), clip(hh[i]["rejected"])) for i in index]


def margins(ns, policy, pairs, reference_chosen, reference_rejected):
    """beta * (log-ratio of the chosen - log-ratio of the rejected) for each pair, with the solution's functions."""
    import torch

    tokenizer = ns["tokenizer"]
    out = []
    with torch.no_grad():
        for first in range(0, len(pairs), 8):
            part = pairs[first:first + 8]
            batch = ns["collate_sft"]([ns["format_sft_example"](tokenizer, p, c) for p, c, _ in part]
                                      + [ns["format_sft_example"](tokenizer, p, r) for p, _, r in part], tokenizer.pad_token_id)
            logps = ns["sequence_logprobs"](policy(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits,
                                            batch["labels"])
            _, chosen, rejected = ns["dpo_loss"](logps[:len(part)], logps[len(part):],
                                                 reference_chosen[first:first + len(part)],
                                                 reference_rejected[first:first + len(part)], BETA)
            out.append(chosen - rejected)
    return torch.cat(out)


def main() -> int:
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(reference.ROOT.parent / "shared" / "data"))
    ns = reference.load_reference(ASSIGNMENT, {"setup", "imports", "model"},
                                  {"format_sft_example", "collate_sft", "sequence_logprobs", "dpo_loss",
                                   "train_last_blocks_only"})
    import torch
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    import trl

    tokenizer, model = ns["tokenizer"], ns["model"].cpu().eval()
    pairs = notebook_pairs(ns)
    print(f"trl {trl.__version__}; {len(pairs)} pairs, {N_TRAIN} trained on")
    reference_chosen = margins_free_logps(ns, model, pairs, 1)
    reference_rejected = margins_free_logps(ns, model, pairs, 2)

    def conversational(part):
        return Dataset.from_dict({"prompt": [[{"role": "user", "content": p}] for p, _, _ in part],
                                  "chosen": [[{"role": "assistant", "content": c}] for _, c, _ in part],
                                  "rejected": [[{"role": "assistant", "content": r}] for _, _, r in part]})

    def trainer_for(policy, output_dir):
        args = DPOConfig(output_dir=output_dir, beta=BETA, learning_rate=LR, weight_decay=0.0, lr_scheduler_type="constant",
                         warmup_steps=0, per_device_train_batch_size=BATCH, num_train_epochs=EPOCHS, logging_steps=1,
                         save_strategy="no", report_to="none", use_cpu=True, seed=0, max_length=None,
                         dataloader_drop_last=False, disable_dropout=True, bf16=False, fp16=False)
        return DPOTrainer(model=policy, ref_model=copy.deepcopy(model), args=args,
                          train_dataset=conversational(pairs[:N_TRAIN]), processing_class=tokenizer)

    # ---- 1. the same run, side by side
    rows = {}
    policy = copy.deepcopy(model)
    ns["train_last_blocks_only"](policy, N_BLOCKS)
    optimizer = torch.optim.AdamW([p for p in policy.parameters() if p.requires_grad], lr=LR, weight_decay=0.0)
    started = time.perf_counter()
    policy.train()
    for _ in range(EPOCHS):
        for first in range(0, N_TRAIN, BATCH):
            part = pairs[first:first + BATCH]
            batch = ns["collate_sft"]([ns["format_sft_example"](tokenizer, p, c) for p, c, _ in part]
                                      + [ns["format_sft_example"](tokenizer, p, r) for p, _, r in part], tokenizer.pad_token_id)
            logps = ns["sequence_logprobs"](policy(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits,
                                            batch["labels"])
            losses, _, _ = ns["dpo_loss"](logps[:len(part)], logps[len(part):], reference_chosen[first:first + len(part)],
                                          reference_rejected[first:first + len(part)], BETA)
            optimizer.zero_grad()
            losses.mean().backward()
            optimizer.step()
    rows["solution (notebook loop)"] = (time.perf_counter() - started, policy.eval())

    with tempfile.TemporaryDirectory() as folder:
        policy = copy.deepcopy(model)
        ns["train_last_blocks_only"](policy, N_BLOCKS)
        trainer = trainer_for(policy, folder)
        trainer._get_train_sampler = lambda *args, **kwargs: torch.utils.data.SequentialSampler(trainer.train_dataset)
        started = time.perf_counter()
        trainer.train()
        rows[f"trl {trl.__version__} DPOTrainer"] = (time.perf_counter() - started, trainer.model.cpu().eval())

    print(f"\n1. {EPOCHS} passes over {N_TRAIN} pairs, {BATCH} per step; margins beta * (log-ratio chosen - rejected):")
    print(f"   {'run':<28s}{'seconds':>8s}{'trained: mean, > 0':>22s}{'held out: mean, > 0':>22s}")
    for name, (seconds, policy) in rows.items():
        m = margins(ns, policy, pairs, reference_chosen, reference_rejected)
        trained, held = m[:N_TRAIN], m[N_TRAIN:]
        print(f"   {name:<28s}{seconds:>8.1f}{float(trained.mean()):>14.3f}{float((trained > 0).float().mean()):>8.2f}"
              f"{float(held.mean()):>14.3f}{float((held > 0).float().mean()):>8.2f}")
    # ---- 2. the same loss on trl's own batch, for a policy that differs from the reference (the solution's, trained)
    trained = rows["solution (notebook loop)"][1]
    ours = {}
    for prompt, chosen, rejected in pairs[:N_TRAIN]:
        for response in (chosen, rejected):
            example = ns["format_sft_example"](tokenizer, prompt, response)
            ours[tuple(example["input_ids"])] = [label != -100 for label in example["labels"]]
    with tempfile.TemporaryDirectory() as folder:
        trainer = trainer_for(copy.deepcopy(trained), folder)
        batch = next(iter(trainer.get_train_dataloader()))
        trainer.model.eval()
        with torch.no_grad():
            trl_loss = trainer.compute_loss(trainer.model, batch)
        trl_metrics = {key: values[-1] for key, values in trainer._metrics["eval"].items()}
    rows_match = []
    for ids, mask, completion in zip(batch["input_ids"], batch["attention_mask"], batch["completion_mask"]):
        kept = mask.bool()
        key = tuple(ids[kept].tolist())
        # our labels mark the token whose label is kept; trl's completion_mask marks the same tokens
        rows_match.append(key in ours and ours[key] == completion[kept].bool().tolist())
    labels = batch["input_ids"].masked_fill(batch["completion_mask"] == 0, -100)
    with torch.no_grad():
        policy_logps = ns["sequence_logprobs"](trained(input_ids=batch["input_ids"],
                                                       attention_mask=batch["attention_mask"]).logits, labels)
        reference_logps = ns["sequence_logprobs"](model(input_ids=batch["input_ids"],
                                                        attention_mask=batch["attention_mask"]).logits, labels)
    k = len(policy_logps) // 2
    losses, chosen, rejected = ns["dpo_loss"](policy_logps[:k], policy_logps[k:], reference_logps[:k], reference_logps[k:],
                                              BETA)
    print(f"\n2. one batch of DPOTrainer's own tokenisation and collation ({k} pairs), the trained policy against the "
          "reference:")
    print(f"   every row the same tokens and the same completion mask as format_sft_example: {all(rows_match)} "
          f"({sum(rows_match)} of {len(rows_match)})")
    print(f"   {'':<18s}{'trl':>12s}{'solution':>12s}")
    for name, theirs, mine in (("loss", float(trl_loss), float(losses.mean())),
                               ("rewards/chosen", trl_metrics["rewards/chosen"], float(chosen.mean())),
                               ("rewards/rejected", trl_metrics["rewards/rejected"], float(rejected.mean()))):
        print(f"   {name:<18s}{theirs:>12.6f}{mine:>12.6f}   difference {abs(theirs - mine):.1e}")
    return 0


def margins_free_logps(ns, model, pairs, which):
    """log pi_ref of the chosen (which=1) or rejected (which=2) response of each pair, batched by 8."""
    import torch

    tokenizer = ns["tokenizer"]
    out = []
    with torch.no_grad():
        for first in range(0, len(pairs), 8):
            batch = ns["collate_sft"]([ns["format_sft_example"](tokenizer, pair[0], pair[which])
                                       for pair in pairs[first:first + 8]], tokenizer.pad_token_id)
            out.append(ns["sequence_logprobs"](model(input_ids=batch["input_ids"],
                                                     attention_mask=batch["attention_mask"]).logits, batch["labels"]))
    return torch.cat(out)


if __name__ == "__main__":
    sys.exit(main())
