"""The course's data files: one registry, a verified lookup, and loaders that return ready objects.

Lookup order for a registered file (``helpers/datasets.json``):

1. the user cache, ``$NLPCOURSE_CACHE/data`` (default: the platform's user cache directory);
2. each mirror directory in ``$NLPCOURSE_DATA_MIRRORS`` (``os.pathsep``-separated; tests and CI
   point it at ``../shared/data``), laid out like the registry's ``file`` paths;
3. a download from the file's original URL (a public repository at a fixed commit), shown with a
   progress bar, written atomically into the cache and verified by sha256.

A file whose sha256 does not match is never used. Set ``NLPCOURSE_OFFLINE=1`` (or
``HF_HUB_OFFLINE=1``) to skip the download step.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE_ENV = "NLPCOURSE_CACHE"
MIRRORS_ENV = "NLPCOURSE_DATA_MIRRORS"
OFFLINE_ENVS = ("NLPCOURSE_OFFLINE", "HF_HUB_OFFLINE")
_REGISTRY_PATH = Path(__file__).with_name("datasets.json")
# Collections of many small files from one repository: a URL template, a folder, and each file's sha256 and size.
_COLLECTION_PATHS = (Path(__file__).with_name("pythia_evals.json"),)


class DataError(RuntimeError):
    """A data file could not be found, downloaded or verified."""


@dataclass(frozen=True)
class DataFile:
    """One registered file: where it lives relative to a data folder, where it came from, its checksum."""

    name: str
    file: str
    url: str
    sha256: str
    size: int
    license: str


def registry() -> dict[str, DataFile]:
    """All registered data files by name; a collection's files are named by their path, e.g. ``pythia-evals/...``."""
    entries = json.loads(_REGISTRY_PATH.read_text())
    found = {name: DataFile(name=name, **fields) for name, fields in entries.items()}
    for collection in _COLLECTION_PATHS:
        spec = json.loads(collection.read_text())
        for relative, (sha256, size) in spec["files"].items():
            name = f"{spec['folder']}/{relative}"
            found[name] = DataFile(name=name, file=name, url=spec["url"].format(file=relative), sha256=sha256,
                                   size=size, license=spec["license"])
    return found


def cache_dir() -> Path:
    """The course's cache directory (``$NLPCOURSE_CACHE`` or the platform's user cache)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("nlpcourse"))


def _mirror_dirs() -> list[Path]:
    raw = os.environ.get(MIRRORS_ENV, "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def _offline() -> bool:
    return any(os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on") for var in OFFLINE_ENVS)


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(entry: DataFile, destination: Path, timeout: float = 30.0) -> Path:
    """Download ``entry.url`` to ``destination`` atomically; keep it only if its sha256 matches."""
    from tqdm.auto import tqdm

    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=destination.parent, prefix=destination.name + ".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(entry.url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            from helpers.progress import autograding

            disable = autograding()
            received = 0
            with tqdm(total=total, unit="B", unit_scale=True, desc=entry.name, disable=disable) as bar:
                try:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        out.write(block)
                        received += len(block)
                        bar.update(len(block))
                except http.client.HTTPException as error:  # e.g. IncompleteRead of a chunked body
                    raise DataError(f"The download of {entry.url} was interrupted ({error!r}); try again.") from error
            if total is not None and received != total:
                raise DataError(
                    f"The download of {entry.url} was interrupted after {received} of {total} bytes; try again."
                )
        got = sha256_of(Path(partial))
        if got != entry.sha256:
            raise DataError(
                f"Downloaded {entry.url} but its sha256 is {got}, not {entry.sha256}; the file was discarded. "
                "The download was cut short or the source changed: try again, or place a verified copy "
                f"at {cache_dir() / 'data' / entry.file}."
            )
        os.replace(partial, destination)
        return destination
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def data_path(name: str) -> Path:
    """Local path of the registered file ``name``, verified by sha256 (downloading it if needed)."""
    entries = registry()
    if name not in entries:
        singles = sorted(n for n in entries if "/" not in n)
        folders = sorted({n.split("/", 1)[0] + "/..." for n in entries if "/" in n})
        raise DataError(f"No data file named {name!r}; registered names are: {', '.join(singles + folders)}.")
    entry = entries[name]
    cached = cache_dir() / "data" / entry.file
    rejected: list[str] = []
    for candidate in [cached] + [mirror / entry.file for mirror in _mirror_dirs()]:
        if candidate.is_file():
            if sha256_of(candidate) == entry.sha256:
                return candidate
            rejected.append(f"{candidate} (sha256 mismatch, ignored)")
    if _offline():
        failure = "offline mode is on (NLPCOURSE_OFFLINE or HF_HUB_OFFLINE), so no download was tried"
    else:
        try:
            return download(entry, cached)
        except (urllib.error.URLError, OSError, http.client.HTTPException, DataError) as error:
            failure = f"the download from {entry.url} failed: {error}"
    places = "\n".join(f"  - {p}" for p in rejected) or "  (no copy found)"
    raise DataError(
        f"Data file {name!r} ({entry.file}) is not available: {failure}.\n"
        f"Looked in the cache and in ${MIRRORS_ENV}:\n{places}\n"
        f"Fix: download {entry.url}\n  and save it as {cached}\n"
        f"  or point {MIRRORS_ENV} at a folder that holds {entry.file}."
    )


# --------------------------------------------------------------------------- loaders


def _nltk_corpus(name: str):
    """Return the NLTK corpus reader for a registered NLTK zip, its data root put on ``nltk.data.path``."""
    import nltk

    zip_path = data_path(name)
    root = str(zip_path.parent.parent)  # <root>/corpora/<name>.zip
    if root not in nltk.data.path:
        nltk.data.path.insert(0, root)
    import nltk.corpus

    return getattr(nltk.corpus, name)


def _cached_tokens(key: str, source: str, build) -> list[list[str]]:
    """Token lists cached as gzip text (one sequence per line) keyed by the source file's sha256."""
    path = cache_dir() / "processed" / f"{key}-{registry()[source].sha256[:12]}.txt.gz"
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return [line.split() for line in handle.read().splitlines()]
    sequences = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as out:
        out.writelines(" ".join(tokens) + "\n" for tokens in sequences)
    os.replace(partial, path)
    return sequences


def _drop_blank_tokens(sequences: list[list[str]]) -> list[list[str]]:
    return [[token for token in tokens if token and not any(c.isspace() for c in token)] for tokens in sequences]


def load_brown(lower: bool = True) -> list[list[str]]:
    """The Brown corpus as a list of tokenised sentences (57,340 sentences, 1.16M tokens)."""

    def build() -> list[list[str]]:
        sentences = _drop_blank_tokens([list(s) for s in _nltk_corpus("brown").sents()])
        return [[w.lower() for w in s] for s in sentences] if lower else sentences

    return _cached_tokens(f"brown-{'lower' if lower else 'cased'}", "brown", build)


def load_movie_reviews() -> tuple[list[list[str]], np.ndarray]:
    """Pang & Lee's 2,000 movie reviews as token lists (lower-case) and labels (1 = positive, 0 = negative)."""

    def build() -> list[list[str]]:
        reader = _nltk_corpus("movie_reviews")
        rows = []
        for label in ("neg", "pos"):
            for fileid in reader.fileids(label):
                rows.append([label] + [w.lower() for w in reader.words(fileid)])
        return _drop_blank_tokens(rows)

    rows = _cached_tokens("movie_reviews", "movie_reviews", build)
    labels = np.array([1 if row[0] == "pos" else 0 for row in rows], dtype=np.int64)
    return [row[1:] for row in rows], labels


WORD_SIMILARITY_SETS = ("ws353", "ws353_sim", "ws353_rel", "simlex999", "men")


def load_word_similarity(name: str) -> list[tuple[str, str, float]]:
    """Word pairs with human similarity scores: ``ws353``, ``ws353_sim``, ``ws353_rel``, ``simlex999``, ``men``."""
    if name not in WORD_SIMILARITY_SETS:
        raise DataError(f"Unknown word-similarity set {name!r}; choose one of {', '.join(WORD_SIMILARITY_SETS)}.")
    pairs = []
    for line in data_path(name).read_text(encoding="utf-8").splitlines():
        fields = line.strip().split()
        if len(fields) == 3:
            pairs.append((fields[0].lower(), fields[1].lower(), float(fields[2])))
    return pairs


def load_analogies(lower: bool = True) -> dict[str, list[tuple[str, str, str, str]]]:
    """Google analogy questions ``a : b :: c : d`` grouped by section (14 sections, 19,544 questions)."""
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = None
    for line in data_path("google_analogies").read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
        elif line.strip() and current is not None:
            words = line.lower().split() if lower else line.split()
            sections[current].append(tuple(words))  # type: ignore[arg-type]
    return sections


SST2_SPLITS = ("train", "dev", "test")


def load_sst2(split: str) -> tuple[list[list[str]], np.ndarray]:
    """The binary Stanford Sentiment Treebank (SST-2) as token lists and labels (1 = positive, 0 = negative).

    ``split`` is ``"train"`` (67,349 phrases and sentences, the GLUE SST-2 training set), ``"dev"`` (872
    sentences) or ``"test"`` (1,821 sentences, with labels). The text is already tokenised and lower-cased;
    ``" ".join(tokens)`` gives back the sentence. Returns ``(sentences, labels)`` with ``labels`` an int64
    array of shape ``(len(sentences),)``.
    """
    if split not in SST2_SPLITS:
        raise DataError(f"Unknown SST-2 split {split!r}; choose one of {', '.join(SST2_SPLITS)}.")
    sentences, labels = [], []
    for number, line in enumerate(data_path(f"sst2_{split}").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        text, _, label = line.rpartition("\t")
        if label.strip() not in ("0", "1"):
            raise DataError(f"SST-2 {split} line {number} does not end in a tab and a 0/1 label: {line!r}")
        sentences.append(text.split())
        labels.append(int(label))
    return sentences, np.array(labels, dtype=np.int64)


PTB_SPLITS = ("valid", "test")


def load_ptb(split: str) -> list[list[str]]:
    """Mikolov's preprocessed Penn Treebank (``"valid"``: 3,370 sentences; ``"test"``: 3,761) as token lists.

    The text is lower-case with a closed 10,000-word vocabulary: rare words are already ``<unk>`` and
    numbers ``N``. Sentence ends are not included (add your own ``</s>``).
    """
    if split not in PTB_SPLITS:
        raise DataError(f"Unknown PTB split {split!r}; choose one of {', '.join(PTB_SPLITS)}.")
    lines = data_path(f"ptb_{split}").read_text(encoding="utf-8").splitlines()
    return [line.split() for line in lines if line.strip()]


def load_tinyshakespeare() -> str:
    """Karpathy's tinyshakespeare (char-rnn): 1,115,394 characters of Shakespeare's plays, as one string."""
    return data_path("tinyshakespeare").read_text(encoding="utf-8")


WIKITEXT2_SPLITS = ("valid", "test")
_WIKITEXT_JOINS = ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."), (" ,", ","), (" .", "."), (" ;", ";"),
                   (" :", ":"), (" 's", "'s"), (" n't", "n't"), ("( ", "("), (" )", ")"))


def load_wikitext2(split: str):
    """WikiText-2 (Merity et al., 2016) as a ``datasets.Dataset`` of paragraphs from Wikipedia's Good articles.

    ``split`` is ``"valid"`` or ``"test"``. Columns: ``title`` (the article's title) and ``text`` (one paragraph,
    headings left out). The corpus ships word-tokenised (``guest @-@ starring``, ``actor .``); here the usual
    spacing is restored so that a subword model reads natural text, while rare words stay ``<unk>`` as released.
    """
    from datasets import Dataset

    if split not in WIKITEXT2_SPLITS:
        raise DataError(f"Unknown WikiText-2 split {split!r}; choose one of {', '.join(WIKITEXT2_SPLITS)}.")
    columns: dict[str, list[str]] = {"title": [], "text": []}
    title = ""
    for line in data_path(f"wikitext2_{split}").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("= ") and line.endswith(" =") and not line.startswith("= ="):
            title = line.strip("= ").strip()
        elif line and not line.startswith("="):
            for spaced, joined in _WIKITEXT_JOINS:
                line = line.replace(spaced, joined)
            columns["title"].append(title)
            columns["text"].append(line)
    return Dataset.from_dict(columns)


STSB_SPLITS = ("train", "dev", "test")


def load_stsb(split: str):
    """The STS Benchmark (Cer et al., 2017) as a ``datasets.Dataset`` of sentence pairs with human similarity scores.

    ``split`` is ``"train"`` (5,749 pairs), ``"dev"`` (1,500) or ``"test"`` (1,379). Columns: ``sentence1``,
    ``sentence2`` (raw text), ``score`` (float, 0 = unrelated .. 5 = same meaning) and ``genre`` (``main-captions``,
    ``main-news``; ``main-forum`` in train, ``main-forums`` in dev and test, as the files spell them). The files are
    tab-separated without quoting; some lines carry extra source
    columns after the second sentence, which are dropped.
    """
    from datasets import Dataset

    if split not in STSB_SPLITS:
        raise DataError(f"Unknown STS Benchmark split {split!r}; choose one of {', '.join(STSB_SPLITS)}.")
    columns: dict[str, list] = {"sentence1": [], "sentence2": [], "score": [], "genre": []}
    for number, line in enumerate(data_path(f"stsb_{split}").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        try:
            score = float(fields[4])
        except (IndexError, ValueError):
            score = float("nan")
        if len(fields) < 7 or not 0.0 <= score <= 5.0:
            raise DataError(f"STS Benchmark {split} line {number} is not 'genre, file, year, id, score (0-5), "
                            f"sentence1, sentence2' separated by tabs: {line[:120]!r}")
        columns["genre"].append(fields[0])
        columns["score"].append(score)
        columns["sentence1"].append(fields[5])
        columns["sentence2"].append(fields[6])
    return Dataset.from_dict(columns)


def load_chinchilla():
    """Chinchilla's training runs (Hoffmann et al., 2022) as a ``datasets.Dataset``: one row per run, 245 rows.

    The points were read off the SVG of the paper's Figure 4 by Epoch AI (Besiroglu et al., 2024, "Chinchilla scaling:
    a replication attempt"). Columns: ``params`` (model size N, parameters), ``flops`` (training compute C, FLOPs) and
    ``loss`` (final training loss, nats per token). The paper gives no token counts: derive them from C and N.
    """
    import csv

    from datasets import Dataset

    columns: dict[str, list[float]] = {"params": [], "flops": [], "loss": []}
    with open(data_path("chinchilla_epoch"), newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                values = float(row["Model Size"]), float(row["Training FLOP"]), float(row["loss"])
            except (KeyError, TypeError, ValueError) as error:
                raise DataError(f"Chinchilla data line {number} lacks a number in 'Model Size', 'Training FLOP' or "
                                f"'loss' ({error!r}).") from error
            for column, value in zip(columns, values):
                columns[column].append(value)
    return Dataset.from_dict(columns)


XQUAD_TABLES = ("paragraphs", "questions")


def load_xquad(table: str):
    """XQuAD's English half (Artetxe et al., 2020): 240 Wikipedia paragraphs and 1,190 questions from SQuAD v1.1 dev.

    ``table`` is ``"paragraphs"`` (a ``datasets.Dataset`` with ``paragraph_id``, ``title`` and ``context``, in the
    file's order) or ``"questions"`` (``id``, ``paragraph_id`` of the paragraph that answers it, ``question`` and
    ``answers``: the list of reference answer strings, in SQuAD's format; XQuAD keeps one per question).
    """
    from datasets import Dataset

    if table not in XQUAD_TABLES:
        raise DataError(f"Unknown XQuAD table {table!r}; choose one of {', '.join(XQUAD_TABLES)}.")
    try:
        articles = json.loads(data_path("xquad_en").read_text(encoding="utf-8"))["data"]
        paragraphs: dict[str, list] = {"paragraph_id": [], "title": [], "context": []}
        questions: dict[str, list] = {"id": [], "paragraph_id": [], "question": [], "answers": []}
        for article in articles:
            for paragraph in article["paragraphs"]:
                paragraph_id = len(paragraphs["context"])
                for column, value in zip(paragraphs, (paragraph_id, article["title"], paragraph["context"])):
                    paragraphs[column].append(value)
                for qa in paragraph["qas"]:
                    for column, value in zip(questions, (qa["id"], paragraph_id, qa["question"],
                                                         [answer["text"] for answer in qa["answers"]])):
                        questions[column].append(value)
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise DataError(f"The XQuAD file is not in SQuAD's JSON format ({type(error).__name__}: {error}).") from error
    return Dataset.from_dict(paragraphs if table == "paragraphs" else questions)


def load_alpaca():
    """5,000 Stanford Alpaca instruction-following examples (Taori et al., 2023) as a ``datasets.Dataset``.

    Columns: ``instruction``, ``input`` (an empty string when the instruction stands alone) and ``output`` (the response
    text-davinci-003 wrote), in the file's order.
    """
    from datasets import Dataset

    try:
        records = json.loads(data_path("alpaca_5000").read_text(encoding="utf-8"))
        columns = {key: [str(record[key]) for record in records] for key in ("instruction", "input", "output")}
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise DataError(f"The Alpaca file is not a JSON list of instruction/input/output records ({type(error).__name__}: "
                        f"{error}).") from error
    return Dataset.from_dict(columns)


def _json_lines(lines: Iterable[str], source: str, what: str,
                fields: Callable[[dict], tuple]) -> Iterator[tuple[int, tuple]]:
    """``(line number, fields(record))`` for each non-blank JSON line; a ``DataError`` saying the line is not ``what``."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, fields(json.loads(line))
        except (KeyError, IndexError, TypeError, json.JSONDecodeError) as error:
            raise DataError(f"{source} line {number} is not {what} ({type(error).__name__}: {error}).") from error


GSM8K_SPLITS = ("train", "test")


def load_gsm8k(split: str):
    """Grade-school maths word problems (GSM8K, Cobbe et al., 2021) as a ``datasets.Dataset``.

    ``split`` is ``"train"`` (7,473 problems) or ``"test"`` (1,319). Columns: ``question`` and ``answer``, the worked
    solution with ``<<48/2=24>>`` calculator annotations and a last line ``#### <number>``.
    """
    from datasets import Dataset

    if split not in GSM8K_SPLITS:
        raise DataError(f"Unknown GSM8K split {split!r}; choose one of {', '.join(GSM8K_SPLITS)}.")
    columns: dict[str, list[str]] = {"question": [], "answer": []}
    lines = data_path(f"gsm8k_{split}").read_text(encoding="utf-8").splitlines()
    for number, (question, answer) in _json_lines(lines, f"GSM8K {split}", "a JSON record with a question and an answer",
                                                  lambda record: (str(record["question"]), str(record["answer"]))):
        if "####" not in answer:
            raise DataError(f"GSM8K {split} line {number}: the answer has no final '#### <number>' line.")
        columns["question"].append(question)
        columns["answer"].append(answer)
    return Dataset.from_dict(columns)


HH_HUMAN, HH_ASSISTANT = "\n\nHuman:", "\n\nAssistant:"


def _split_final_turn(dialogue: str, line: int) -> tuple[str, str, str]:
    """(history before the final Assistant turn, the last Human turn, the final Assistant turn) of an hh-rlhf dialogue."""
    answer_at = dialogue.rfind(HH_ASSISTANT)
    human_at = dialogue.rfind(HH_HUMAN, 0, max(answer_at, 0))
    if answer_at < 0 or human_at < 0:
        raise DataError(f"hh-rlhf line {line}: a dialogue without a final '\\n\\nHuman: ... \\n\\nAssistant: ...' exchange.")
    return (dialogue[:answer_at], dialogue[human_at + len(HH_HUMAN):answer_at].strip(),
            dialogue[answer_at + len(HH_ASSISTANT):].strip())


def load_hh_rlhf():
    """Anthropic's helpful-and-harmless preference pairs (Bai et al., 2022), the 2,312 harmless-base test pairs.

    Each pair is two dialogues that differ in the final Assistant turn; crowdworkers chose the less harmful one. Columns:
    ``prompt`` (the last Human turn), ``history`` (the chosen dialogue up to its final Assistant turn), ``chosen`` and
    ``rejected`` (the two final Assistant turns, stripped), and ``same_history`` (false for the few pairs whose earlier
    turns differ too). The dialogues are red-teaming attempts and contain offensive text.
    """
    from datasets import Dataset

    columns: dict[str, list] = {"prompt": [], "history": [], "chosen": [], "rejected": [], "same_history": []}
    with gzip.open(data_path("hh_rlhf_harmless_test"), "rt", encoding="utf-8") as lines:
        for number, (chosen_dialogue, rejected_dialogue) in _json_lines(
                lines, "hh-rlhf", "a JSON record with chosen and rejected dialogues",
                lambda record: (str(record["chosen"]), str(record["rejected"]))):
            history, prompt, chosen = _split_final_turn(chosen_dialogue, number)
            rejected_history, _, rejected = _split_final_turn(rejected_dialogue, number)
            for column, value in zip(columns, (prompt, history, chosen, rejected, history == rejected_history)):
                columns[column].append(value)
    return Dataset.from_dict(columns)


def load_crows_pairs():
    """CrowS-Pairs (Nangia et al., 2020): 1,508 minimal pairs of sentences, one more stereotyping than the other.

    Columns: ``sent_more`` (the sentence that is more stereotyping about a historically disadvantaged group),
    ``sent_less``, ``stereo_antistereo`` (``"stereo"`` when ``sent_more`` states a stereotype, ``"antistereo"`` when
    ``sent_less`` violates one) and ``bias_type`` (race-color, gender, religion, ...). Offensive by design.
    """
    import csv

    from datasets import Dataset

    wanted = ("sent_more", "sent_less", "stereo_antistereo", "bias_type")
    with open(data_path("crows_pairs"), newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    if not rows or any(column not in rows[0] for column in wanted):
        raise DataError(f"The CrowS-Pairs file lacks the columns {', '.join(wanted)}.")
    return Dataset.from_dict({column: [row[column] for row in rows] for column in wanted})


def load_truthfulqa():
    """TruthfulQA (Lin et al., 2022), its January 2025 version: 790 questions that some humans answer falsely.

    Columns: ``type`` (Adversarial / Non-Adversarial), ``category``, ``question``, ``best_answer``,
    ``best_incorrect_answer`` (the pair of the authors' binary multiple-choice setting), ``correct_answers`` and
    ``incorrect_answers`` (lists of strings) and ``source``.
    """
    import csv

    from datasets import Dataset

    fields = {"type": "Type", "category": "Category", "question": "Question", "best_answer": "Best Answer",
              "best_incorrect_answer": "Best Incorrect Answer", "correct_answers": "Correct Answers",
              "incorrect_answers": "Incorrect Answers", "source": "Source"}
    with open(data_path("truthfulqa"), newline="", encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    if not rows or any(column not in rows[0] for column in fields.values()):
        raise DataError(f"The TruthfulQA file lacks the columns {', '.join(fields.values())} (the 2025 version has them).")
    columns = {name: [row[column].strip() for row in rows] for name, column in fields.items()}
    for name in ("correct_answers", "incorrect_answers"):
        columns[name] = [[answer.strip() for answer in value.split(";") if answer.strip()] for value in columns[name]]
    return Dataset.from_dict(columns)


def load_self_instruct_seeds():
    """The 175 human-written seed tasks of Self-Instruct (Wang et al., 2023) as a ``datasets.Dataset``.

    Columns: ``name``, ``instruction``, ``input`` (an empty string when the instruction stands alone) and ``output``,
    from each task's first instance, and ``is_classification``.
    """
    from datasets import Dataset

    columns: dict[str, list] = {"name": [], "instruction": [], "input": [], "output": [], "is_classification": []}
    lines = data_path("self_instruct_seeds").read_text(encoding="utf-8").splitlines()
    for _, values in _json_lines(lines, "Self-Instruct seed", "a task with a name, an instruction and an instance",
                                 lambda record: (str(record["name"]), str(record["instruction"]),
                                                 str(record["instances"][0]["input"]),
                                                 str(record["instances"][0]["output"]),
                                                 bool(record["is_classification"]))):
        for column, value in zip(columns, values):
            columns[column].append(value)
    return Dataset.from_dict(columns)


PYTHIA_TOKENS_PER_STEP = 2_097_152  # each Pythia training step: 1,024 sequences of 2,048 tokens
# (n_layers, d_model, n_heads, vocab_size) of each Pythia size, from the models' config.json (the vocabulary is padded).
PYTHIA_ARCHITECTURES = {
    "70m": (6, 512, 8, 50304), "160m": (12, 768, 12, 50304), "410m": (24, 1024, 16, 50304), "1b": (16, 2048, 8, 50304),
    "1.4b": (24, 2048, 16, 50304), "2.8b": (32, 2560, 32, 50304), "6.9b": (32, 4096, 32, 50432),
    "12b": (36, 5120, 40, 50688),
}
_PYTHIA_TASKS = {"lambada_acc": ("lambada_openai", "acc"), "piqa_acc": ("piqa", "acc"), "arc_easy_acc": ("arc_easy", "acc"),
                 "arc_challenge_acc": ("arc_challenge", "acc"), "winogrande_acc": ("winogrande", "acc"),
                 "sciq_acc": ("sciq", "acc"), "logiqa_acc": ("logiqa", "acc"), "wsc_acc": ("wsc", "acc")}


def _pythia_row(record: dict, source: str) -> dict | None:
    """One row of ``load_pythia_evals`` from an lm-evaluation-harness result file (None for a few-shot run)."""
    config = record.get("config", {})
    if config.get("num_fewshot") != 0:
        return None
    try:
        args = dict(item.split("=", 1) for item in config["model_args"].split(","))
        model = args["pretrained"].rsplit("/", 1)[-1].removeprefix("pythia-v1.1-")  # e.g. 1b-bf16, 70m-deduped
        step = int(args["revision"].removeprefix("step"))
        results = record["results"]
        size = model.removesuffix("-deduped").removesuffix("-bf16")
        n_layers, d_model, n_heads, vocab_size = PYTHIA_ARCHITECTURES[size]
        row = {"model": f"pythia-{size}", "size": size, "deduped": model.endswith("-deduped"), "step": step,
               "tokens": step * PYTHIA_TOKENS_PER_STEP, "n_layers": n_layers, "d_model": d_model, "n_heads": n_heads,
               "vocab_size": vocab_size, "lambada_ppl": float(results["lambada_openai"]["ppl"])}
        row.update({column: float(results[task][metric]) for column, (task, metric) in _PYTHIA_TASKS.items()})
        mmlu = [float(scores["acc"]) for task, scores in results.items() if task.startswith("hendrycksTest-")]
    except (KeyError, ValueError, TypeError) as error:
        raise DataError(f"{source} is not an lm-evaluation-harness result file of a Pythia model ({error!r}).") from error
    row["mmlu_acc"] = sum(mmlu) / len(mmlu) if mmlu else float("nan")
    return row


def load_pythia_evals():
    """Zero-shot evaluations of the Pythia suite (Biderman et al., 2023) as a ``datasets.Dataset``, one row per checkpoint.

    The standard models (70M ... 12B; all trained on the same 300B tokens of the Pile in the same order) at 27
    checkpoints each, steps 0, 1, 2, 4, ..., 512, 1000, 3000, 13000, ..., 143000, and the models trained on the
    deduplicated Pile (``deduped`` True) at their final step only. Columns: ``model`` ("pythia-70m"), ``size`` ("70m"),
    ``deduped``, ``step``, ``tokens`` (tokens seen, ``step`` x 2,097,152), the architecture (``n_layers``, ``d_model``,
    ``n_heads``, ``vocab_size``), LAMBADA perplexity ``lambada_ppl``, and accuracies ``lambada_acc``, ``piqa_acc``,
    ``arc_easy_acc``, ``arc_challenge_acc``, ``winogrande_acc``, ``sciq_acc``, ``logiqa_acc``, ``wsc_acc`` and
    ``mmlu_acc`` (the mean over MMLU's 57 subjects), all from EleutherAI's lm-evaluation-harness result files.
    """
    from datasets import Dataset

    order = list(PYTHIA_ARCHITECTURES)
    rows: dict[tuple, dict] = {}
    for name in sorted(n for n in registry() if n.startswith("pythia-evals/")):
        row = _pythia_row(json.loads(data_path(name).read_text(encoding="utf-8")), name)
        if row is not None:
            rows.setdefault((row["deduped"], order.index(row["size"]), row["step"]), row)
    return Dataset.from_list([rows[key] for key in sorted(rows)])
