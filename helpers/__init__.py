"""Shared helpers for the course notebooks: device, data, plotting and grading."""
from helpers.data import (
    DataError,
    data_path,
    load_alpaca,
    load_analogies,
    load_brown,
    load_chinchilla,
    load_gsm8k,
    load_movie_reviews,
    load_ptb,
    load_pythia_evals,
    load_sst2,
    load_stsb,
    load_tinyshakespeare,
    load_wikitext2,
    load_word_similarity,
    load_xquad,
)
from helpers.device import describe_hardware, get_device, seed_everything
from helpers.models import ModelError, load_sentence_encoder, load_smollm2
from helpers.progress import autograding, progress

__all__ = [
    "DataError",
    "ModelError",
    "autograding",
    "data_path",
    "describe_hardware",
    "get_device",
    "load_alpaca",
    "load_analogies",
    "load_brown",
    "load_chinchilla",
    "load_gsm8k",
    "load_movie_reviews",
    "load_ptb",
    "load_pythia_evals",
    "load_sentence_encoder",
    "load_smollm2",
    "load_sst2",
    "load_stsb",
    "load_tinyshakespeare",
    "load_wikitext2",
    "load_word_similarity",
    "load_xquad",
    "progress",
    "seed_everything",
]
