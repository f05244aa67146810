"""Benchmark: hw08's LoRA and soft prompts (the reference solution read from the source notebook) against ``peft``.

* LoRA (r 8, alpha 16, query and value of all-MiniLM-L6-v2, the head trained too) by ``add_lora`` and by
  ``peft.get_peft_model`` with the same A and B: logits and every LoRA gradient at step 0, then one epoch on the notebook's
  1,200 SST-2 sentences with the same batches and AdamW, SST-2 dev accuracy and time side by side.
* Soft prompt tuning: ``SoftPromptClassifier`` against ``peft``'s prompt tuning of the same encoder (``PromptTuningConfig``
  for feature extraction, its 14 virtual tokens set to the notebook's initial prompt, mean-pooled with the same head): logits
  at step 0, then the same epoch.
* The memory of one AdamW step of SmolLM2-135M-Instruct, full fine-tuning against LoRA (r 8 on q_proj and v_proj), measured
  as the growth of peak resident memory in a fresh process after a warm-up backward (which has already held the gradients),
  next to written question 2's count of the two AdamW moments: 8 bytes per trained parameter.

Exits with status 1 if the step-0 outputs or gradients differ by more than 1e-5 or the measured memory is off the formula by
more than 25%. Not a pytest test (about 4 minutes on 2 cores):

    python tests/benchmarks/hw08_lora_prompt_vs_peft.py
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

ASSIGNMENT = "hw08_finetuning_and_distributed"
MEMORY_PROBE = r"""
import json, resource, sys, torch
import helpers
torch.manual_seed(0)
tokenizer, model = helpers.load_smollm2()
namespace = json.loads(sys.argv[1])
if namespace["method"] == "lora":
    from peft import LoraConfig, get_peft_model
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], lora_dropout=0.0))
trained = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.AdamW(trained, lr=1e-5)
batch = tokenizer(["The quick brown fox jumps over the lazy dog."] * 2, return_tensors="pt")
model.train()
model(**batch, labels=batch["input_ids"]).loss.backward()  # warm-up: kernels, allocator pools
optimizer.zero_grad(set_to_none=True)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
for _ in range(2):
    model(**batch, labels=batch["input_ids"]).loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"trained": sum(p.numel() for p in trained), "growth": after - before}))
"""


def epoch(model, batches, lr: float, device) -> float:
    """One pass of AdamW over the trainable parameters (the notebook's loop); returns the seconds it took."""
    import torch
    import torch.nn.functional as F

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    model.train()
    started = time.perf_counter()
    for batch in batches:
        loss = F.cross_entropy(model(batch["input_ids"].to(device), batch["attention_mask"].to(device)),
                               batch["labels"].to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - started


def lora_against_peft(ns: dict) -> float:
    """Step-0 equality and one epoch each; returns the largest step-0 difference."""
    import peft
    import torch
    import torch.nn.functional as F

    ns["helpers"].seed_everything(0)
    plain = ns["MeanPoolClassifier"](copy.deepcopy(ns["encoder"]))
    ours = ns["add_lora"](copy.deepcopy(plain), ("query", "value"), r=8, alpha=16)
    theirs = peft.get_peft_model(copy.deepcopy(plain), peft.LoraConfig(
        r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["query", "value"], modules_to_save=["head"]))
    peers = dict(theirs.named_modules())
    wrapped = [(name, module) for name, module in ours.named_modules() if isinstance(module, ns["LoRALinear"])]
    with torch.no_grad():
        for name, module in wrapped:  # the same A in both; B random for the step-0 check, zero again for training
            peers["base_model.model." + name].lora_A["default"].weight.copy_(module.lora_A)
            module.lora_B.normal_(std=0.02)
            peers["base_model.model." + name].lora_B["default"].weight.copy_(module.lora_B)
    batch = ns["dev_batches"][0]
    labels = batch["labels"]
    ours.eval(), theirs.eval()
    ours_logits = ours(batch["input_ids"], batch["attention_mask"])
    theirs_logits = theirs(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(ours_logits, labels).backward()
    F.cross_entropy(theirs_logits, labels).backward()
    logit_gap = float((ours_logits - theirs_logits).detach().abs().max())
    grad_gap = max(float((module.lora_A.grad - peers["base_model.model." + name].lora_A["default"].weight.grad).abs().max())
                   for name, module in wrapped)
    grad_gap = max(grad_gap, max(float((module.lora_B.grad - peers["base_model.model." + name].lora_B["default"].weight.grad)
                                       .abs().max()) for name, module in wrapped))
    print(f"LoRA at step 0 (B random, 64 dev sentences): max |logits - peft's| {logit_gap:.1e}, "
          f"max |LoRA gradient - peft's| {grad_gap:.1e}")
    with torch.no_grad():
        for name, module in wrapped:
            module.lora_B.zero_()
            peers["base_model.model." + name].lora_B["default"].weight.zero_()
    report("LoRA r=8, q and v", ns, ours, theirs, lr=1e-3)
    return max(logit_gap, grad_gap)


def prompt_against_peft(ns: dict) -> float:
    """peft's prompt tuning of the encoder, mean-pooled with the same head, against SoftPromptClassifier."""
    import peft
    import torch

    tokenizer, encoder = ns["tokenizer"], ns["encoder"]
    description = "Classify the sentiment of this movie review as positive or negative. Review:"
    ids = tokenizer(description, add_special_tokens=False, return_tensors="pt")["input_ids"][0]
    prompt_init = encoder.get_input_embeddings().weight[ids].detach()
    ns["helpers"].seed_everything(0)
    ours = ns["SoftPromptClassifier"](ns["MeanPoolClassifier"](copy.deepcopy(encoder)), prompt_init)

    class PeftPromptClassifier(torch.nn.Module):
        def __init__(self, head):
            super().__init__()
            config = peft.PromptTuningConfig(task_type=peft.TaskType.FEATURE_EXTRACTION, num_virtual_tokens=len(ids))
            self.encoder = peft.get_peft_model(copy.deepcopy(encoder), config)
            with torch.no_grad():
                self.encoder.prompt_encoder["default"].embedding.weight.copy_(prompt_init)
            self.head = head

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = torch.cat([attention_mask.new_ones(len(input_ids), len(ids)), attention_mask], 1).unsqueeze(-1).float()
            return self.head((hidden * mask).sum(1) / mask.sum(1))

    theirs = PeftPromptClassifier(copy.deepcopy(ours.classifier.head))
    batch = ns["dev_batches"][0]
    ours.eval(), theirs.eval()
    with torch.no_grad():
        gap = float((ours(batch["input_ids"], batch["attention_mask"])
                     - theirs(batch["input_ids"], batch["attention_mask"])).abs().max())
    print(f"prompt tuning at step 0 ({len(ids)} vectors): max |logits - peft's| {gap:.1e}")
    report(f"prompt tuning, {len(ids)} vectors", ns, ours, theirs, lr=2e-2)
    return gap


def report(name: str, ns: dict, ours, theirs, lr: float) -> None:
    device = ns["device"]
    rows = []
    for label, model in (("course", ours), ("peft", theirs)):
        model.to(device)
        seconds = epoch(model, ns["train_batches"], lr, device)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        rows.append((label, trainable, ns["accuracy"](model, ns["dev_batches"]), seconds))
    for label, trainable, accuracy, seconds in rows:
        print(f"  {name:<28}{label:<8}{trainable:>10,} trained   dev accuracy {accuracy:.3f}   {seconds:5.1f} s")


def memory_against_formula() -> float:
    """Peak-RSS growth of AdamW steps on SmolLM2, full and LoRA, against 12 bytes per trained parameter."""
    worst = 0.0
    print("\nSmolLM2-135M-Instruct, float32 AdamW steps (2 x 11 tokens): growth of peak RSS after the first backward")
    for method in ("full", "lora"):
        result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, json.dumps({"method": method})], check=True,
                                capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "2"})
        measured = json.loads(result.stdout.strip().splitlines()[-1])
        formula = 8 * measured["trained"]  # the gradients exist after the warm-up; the two Adam moments are new
        print(f"  {method:<5} {measured['trained']:>12,} trained   measured {measured['growth'] / 1e6:8.1f} MB   "
              f"two Adam moments {formula / 1e6:8.1f} MB")
        if method == "full":
            worst = abs(measured["growth"] - formula) / formula
    return worst


def main() -> int:
    os.environ.setdefault("NLPCOURSE_DATA_MIRRORS", str(reference.ROOT.parent / "shared" / "data"))
    ns = reference.load_reference(ASSIGNMENT, {"setup", "imports", "data"},
                                  {"add_lora", "LoRALinear", "SoftPromptClassifier", "MeanPoolClassifier", "accuracy"})
    lora_gap = lora_against_peft(ns)
    prompt_gap = prompt_against_peft(ns)
    memory_error = memory_against_formula()
    failures = []
    if lora_gap > 1e-5:
        failures.append(f"LoRA differs from peft's by {lora_gap:.1e} at step 0")
    if prompt_gap > 1e-5:
        failures.append(f"the soft prompt differs from peft's by {prompt_gap:.1e} at step 0")
    if memory_error > 0.25:
        failures.append(f"full fine-tuning's memory is {memory_error:.0%} off the formula")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
