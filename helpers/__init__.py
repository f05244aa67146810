"""Shared helpers for the course notebooks: device, data, plotting and grading."""
from helpers.data import (
    DataError,
    data_path,
    load_analogies,
    load_brown,
    load_movie_reviews,
    load_word_similarity,
)
from helpers.device import describe_hardware, get_device, seed_everything
from helpers.progress import autograding, progress

__all__ = [
    "DataError",
    "autograding",
    "data_path",
    "describe_hardware",
    "get_device",
    "load_analogies",
    "load_brown",
    "load_movie_reviews",
    "load_word_similarity",
    "progress",
    "seed_everything",
]
