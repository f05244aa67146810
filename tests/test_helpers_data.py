"""Tests for helpers.data: the registry, the verified lookup order, real downloads, the loaders.

Downloads run for real against an HTTP server on 127.0.0.1 (a thread, an ephemeral port); the
loaders run against the shared data mirror (``../shared/data``) and are skipped without it.
Every test points ``$NLPCOURSE_CACHE`` at a fresh temporary folder and starts offline, so no test
touches the user's cache or the network unless it turns a local download on itself.
"""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from helpers.data import DataError, DataFile

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not (SHARED_DATA / "manifest.json").is_file(), reason=f"shared data mirror {SHARED_DATA} is not present"
)

ENV_VARS = (data.CACHE_ENV, data.MIRRORS_ENV, *data.OFFLINE_ENVS, "NBGRADER_EXECUTION")
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """A fresh cache, no mirrors, offline; returns the cache folder."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv(data.CACHE_ENV, str(cache))
    monkeypatch.setenv("NLPCOURSE_OFFLINE", "1")
    return cache


def sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --------------------------------------------------------------------------- the registry

REGISTRY = data.registry()


def test_registry_is_not_empty_and_keyed_by_name():
    assert len(REGISTRY) >= 9
    for name, entry in REGISTRY.items():
        assert isinstance(entry, DataFile)
        assert entry.name == name


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_entry_is_pinned_checksummed_and_licensed(name):
    entry = REGISTRY[name]
    assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry.sha256
    assert re.fullmatch(r"https://[^/\s]+/\S*/[0-9a-f]{40}/\S+", entry.url), (
        f"{name}: url must be https and pinned at a 40-hex commit: {entry.url}"
    )
    assert isinstance(entry.license, str) and entry.license.strip()
    assert isinstance(entry.size, int) and entry.size > 0
    relative = Path(entry.file)
    assert not relative.is_absolute() and ".." not in relative.parts and entry.file.strip() == entry.file
    # The file keeps the source's file name, so a downloaded copy is recognisable.
    assert entry.url.rsplit("/", 1)[-1] == relative.name


def test_registry_files_are_distinct():
    files = [entry.file for entry in REGISTRY.values()]
    assert len(files) == len(set(files))


def test_loaders_only_use_registered_names():
    for source in data.WORD_SIMILARITY_SETS:
        assert source in REGISTRY
    for name in ("brown", "movie_reviews", "google_analogies"):
        assert name in REGISTRY


@needs_shared
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_matches_shared_manifest(name):
    manifest = {record["file"]: record for record in json.loads((SHARED_DATA / "manifest.json").read_text())}
    entry = REGISTRY[name]
    assert entry.file in manifest, f"{entry.file} is not in {SHARED_DATA / 'manifest.json'}"
    record = manifest[entry.file]
    assert record["sha256"] == entry.sha256
    assert record["size_bytes"] == entry.size
    assert record["commit"] in entry.url


@needs_shared
@pytest.mark.parametrize("name", ["ws353", "simlex999", "google_analogies", "stopwords"])
def test_registered_checksum_matches_the_mirrored_file(name):
    entry = REGISTRY[name]
    path = SHARED_DATA / entry.file
    assert path.stat().st_size == entry.size
    assert data.sha256_of(path) == entry.sha256


def test_sha256_of_reads_in_blocks(tmp_path):
    payload = os.urandom(3 * (1 << 20) + 17)  # spans several 1 MiB blocks
    path = tmp_path / "blob"
    path.write_bytes(payload)
    assert data.sha256_of(path) == sha256(payload)


# --------------------------------------------------------------------------- lookup order, no network

GOOD = b"the quick brown fox\n" * 50
BAD = b"the quick brown fix\n" * 50


@pytest.fixture
def toy(monkeypatch):
    """A registry with one small file, 'toy', whose url is never reachable (a reserved domain)."""
    entry = DataFile(name="toy", file="toy/sub/toy.txt", url="https://example.invalid/" + "0" * 40 + "/toy.txt",
                     sha256=sha256(GOOD), size=len(GOOD), license="test")
    monkeypatch.setattr(data, "registry", lambda: {"toy": entry})
    return entry


def put(folder: Path, entry: DataFile, payload: bytes) -> Path:
    path = folder / entry.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return path


def set_mirrors(monkeypatch, *folders: Path) -> None:
    monkeypatch.setenv(data.MIRRORS_ENV, os.pathsep.join(str(f) for f in folders))


def test_cache_dir_follows_env(isolated_env):
    assert data.cache_dir() == isolated_env


def test_cache_dir_default_is_a_user_cache(monkeypatch):
    monkeypatch.delenv(data.CACHE_ENV)
    assert "nlpcourse" in str(data.cache_dir())


def test_cache_is_used_first(toy, isolated_env, tmp_path, monkeypatch):
    cached = put(isolated_env / "data", toy, GOOD)
    mirror = tmp_path / "mirror"
    put(mirror, toy, GOOD)
    set_mirrors(monkeypatch, mirror)
    assert data.data_path("toy") == cached


def test_mirror_is_used_when_cache_is_empty(toy, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    expected = put(mirror, toy, GOOD)
    set_mirrors(monkeypatch, mirror)
    got = data.data_path("toy")
    assert got == expected and got.read_bytes() == GOOD


def test_mirrors_are_searched_in_order(toy, tmp_path, monkeypatch):
    first, second = tmp_path / "m1", tmp_path / "m2"
    put(second, toy, GOOD)
    expected = put(first, toy, GOOD)
    set_mirrors(monkeypatch, tmp_path / "missing", first, second)
    assert data.data_path("toy") == expected


def test_blank_mirror_entries_are_ignored(toy, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    expected = put(mirror, toy, GOOD)
    monkeypatch.setenv(data.MIRRORS_ENV, os.pathsep + " " + os.pathsep + str(mirror) + os.pathsep)
    assert data.data_path("toy") == expected


def test_corrupt_cached_copy_is_skipped_for_a_good_mirror(toy, isolated_env, tmp_path, monkeypatch):
    put(isolated_env / "data", toy, BAD)
    mirror = tmp_path / "mirror"
    expected = put(mirror, toy, GOOD)
    set_mirrors(monkeypatch, mirror)
    assert data.data_path("toy") == expected


def test_corrupt_mirror_is_skipped_for_a_later_good_mirror(toy, tmp_path, monkeypatch):
    bad, good = tmp_path / "bad", tmp_path / "good"
    put(bad, toy, BAD)
    expected = put(good, toy, GOOD)
    set_mirrors(monkeypatch, bad, good)
    got = data.data_path("toy")
    assert got == expected
    assert data.sha256_of(got) == toy.sha256


def test_same_size_corruption_is_detected(toy, tmp_path, monkeypatch):
    assert len(BAD) == len(GOOD)  # only the checksum can tell them apart
    mirror = tmp_path / "mirror"
    put(mirror, toy, BAD)
    set_mirrors(monkeypatch, mirror)
    with pytest.raises(DataError):
        data.data_path("toy")


def test_only_corrupt_copies_raise_naming_file_and_where_to_put_it(toy, isolated_env, tmp_path, monkeypatch):
    bad_cache = put(isolated_env / "data", toy, BAD)
    bad_mirror = put(tmp_path / "mirror", toy, BAD)
    set_mirrors(monkeypatch, tmp_path / "mirror")
    with pytest.raises(DataError) as caught:
        data.data_path("toy")
    message = str(caught.value)
    assert "'toy'" in message and toy.file in message
    assert f"{bad_cache} (sha256 mismatch" in message
    assert f"{bad_mirror} (sha256 mismatch" in message
    assert f"save it as {isolated_env / 'data' / toy.file}" in message
    assert data.MIRRORS_ENV in message
    # A bad copy is reported, never silently deleted or replaced while offline.
    assert bad_cache.read_bytes() == BAD


@pytest.mark.parametrize("var,value", [("NLPCOURSE_OFFLINE", "1"), ("NLPCOURSE_OFFLINE", "true"),
                                       ("HF_HUB_OFFLINE", "1"), ("HF_HUB_OFFLINE", "YES"), ("HF_HUB_OFFLINE", "ON")])
def test_offline_and_missing_names_file_url_and_cache_path(toy, isolated_env, monkeypatch, var, value):
    monkeypatch.delenv("NLPCOURSE_OFFLINE")
    monkeypatch.setenv(var, value)
    with pytest.raises(DataError) as caught:
        data.data_path("toy")
    message = str(caught.value)
    assert toy.file in message
    assert toy.url in message
    assert str(isolated_env / "data" / toy.file) in message
    assert "offline mode is on" in message and "no download was tried" in message
    assert "(no copy found)" in message


def test_unknown_name_lists_registered_names():
    with pytest.raises(DataError) as caught:
        data.data_path("wordsim9000")
    message = str(caught.value)
    assert "'wordsim9000'" in message
    for name in REGISTRY:
        assert name in message or name.split("/", 1)[0] + "/..." in message


@needs_shared
def test_real_registry_resolves_to_shared_mirror(monkeypatch):
    set_mirrors(monkeypatch, SHARED_DATA)
    assert data.data_path("ws353") == SHARED_DATA / REGISTRY["ws353"].file


def test_real_registry_offline_without_copies_names_the_real_url(isolated_env):
    entry = REGISTRY["google_analogies"]
    with pytest.raises(DataError) as caught:
        data.data_path("google_analogies")
    assert entry.url in str(caught.value)
    assert str(isolated_env / "data" / entry.file) in str(caught.value)


# --------------------------------------------------------------------------- real downloads from 127.0.0.1


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 5  # a stuck connection ends by itself
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        route = server.routes.get(self.path)
        if route is None:
            body = b"not found"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return
        kind, body = route
        if kind == "garbled":  # not an HTTP response at all
            self.wfile.write(b"SMTP READY\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        if kind == "chunked-truncated":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(f"{len(body):x}\r\n".encode() + body + b"\r\n")  # no terminating 0-chunk
        else:
            length = len(body) * 10 if kind == "truncated" else len(body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True
        if kind != "ok":
            self.connection.shutdown(socket.SHUT_RDWR)  # cut the transfer short


@pytest.fixture
def server(monkeypatch):
    """An HTTP server on 127.0.0.1 for this test only; ``server.routes[path] = (kind, body)``."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.delenv("NLPCOURSE_OFFLINE")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.routes, httpd.requests = {}, []
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def served(server, monkeypatch, kind="ok", body=GOOD, expected=GOOD, path="/" + "a" * 40 + "/toy.txt"):
    """Serve ``body`` at ``path`` and register 'toy' there with the checksum of ``expected``."""
    server.routes[path] = (kind, body)
    entry = DataFile(name="toy", file="toy/sub/toy.txt", url=server.base + path, sha256=sha256(expected),
                     size=len(expected), license="test")
    monkeypatch.setattr(data, "registry", lambda: {"toy": entry})
    return entry


def test_download_lands_in_cache_verified_then_cache_is_reused(server, monkeypatch, isolated_env):
    entry = served(server, monkeypatch)
    started = time.monotonic()
    got = data.data_path("toy")
    assert got == isolated_env / "data" / entry.file
    assert got.read_bytes() == GOOD and data.sha256_of(got) == entry.sha256
    assert files_under(isolated_env) == [got], "no .part or other leftovers"
    assert server.requests == [entry.url[len(server.base):]]
    again = data.data_path("toy")
    assert again == got
    assert len(server.requests) == 1, "the second call must come from the cache"
    assert time.monotonic() - started < 5


def test_download_function_writes_destination_atomically(server, monkeypatch, tmp_path):
    entry = served(server, monkeypatch)
    destination = tmp_path / "new" / "folder" / "toy.txt"
    assert data.download(entry, destination, timeout=5) == destination
    assert destination.read_bytes() == GOOD
    assert files_under(tmp_path / "new") == [destination]


def test_download_replaces_a_corrupt_cached_copy(server, monkeypatch, isolated_env):
    entry = served(server, monkeypatch)
    cached = put(isolated_env / "data", entry, BAD)
    assert data.data_path("toy") == cached
    assert cached.read_bytes() == GOOD
    assert len(server.requests) == 1


def test_mirror_copy_means_no_download(server, monkeypatch, tmp_path):
    entry = served(server, monkeypatch)
    expected = put(tmp_path / "mirror", entry, GOOD)
    set_mirrors(monkeypatch, tmp_path / "mirror")
    assert data.data_path("toy") == expected
    assert server.requests == []


def test_offline_means_no_request(server, monkeypatch):
    served(server, monkeypatch)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="offline mode is on"):
        data.data_path("toy")
    assert server.requests == []


@pytest.mark.parametrize("value", ["0", "", "false"])
def test_offline_off_values_still_download(server, monkeypatch, value):
    served(server, monkeypatch)
    monkeypatch.setenv("NLPCOURSE_OFFLINE", value)
    assert data.data_path("toy").read_bytes() == GOOD
    assert len(server.requests) == 1


@pytest.mark.parametrize("kind", ["truncated", "chunked-truncated"])
def test_interrupted_transfer_leaves_nothing(server, monkeypatch, tmp_path, kind):
    entry = served(server, monkeypatch, kind=kind)
    destination = tmp_path / "dl" / "toy.txt"
    with pytest.raises((DataError, OSError)) as caught:
        data.download(entry, destination, timeout=5)
    assert entry.url in str(caught.value)
    assert not destination.exists()
    assert files_under(tmp_path / "dl") == [], "no partial file may be left"


@pytest.mark.parametrize("kind", ["truncated", "chunked-truncated"])
def test_interrupted_transfer_through_data_path(server, monkeypatch, isolated_env, kind):
    entry = served(server, monkeypatch, kind=kind)
    with pytest.raises(DataError) as caught:
        data.data_path("toy")
    message = str(caught.value)
    assert f"The download of {entry.url} was interrupted" in message
    assert entry.url in message and str(isolated_env / "data" / entry.file) in message
    assert files_under(isolated_env) == []


def test_garbled_response_is_a_data_error(server, monkeypatch, isolated_env):
    entry = served(server, monkeypatch, kind="garbled")
    with pytest.raises(DataError) as caught:
        data.data_path("toy")
    assert f"the download from {entry.url} failed" in str(caught.value)
    assert files_under(isolated_env) == []


def test_wrong_checksum_download_is_discarded(server, monkeypatch, tmp_path):
    entry = served(server, monkeypatch, body=BAD, expected=GOOD)
    destination = tmp_path / "dl" / "toy.txt"
    with pytest.raises(DataError) as caught:
        data.download(entry, destination, timeout=5)
    message = str(caught.value)
    assert sha256(BAD) in message and entry.sha256 in message and entry.url in message
    assert not destination.exists()
    assert files_under(tmp_path / "dl") == []


def test_wrong_checksum_through_data_path_keeps_cache_empty(server, monkeypatch, isolated_env):
    entry = served(server, monkeypatch, body=BAD, expected=GOOD)
    with pytest.raises(DataError, match=f"sha256 is {sha256(BAD)}, not {entry.sha256}"):
        data.data_path("toy")
    assert files_under(isolated_env) == []
    assert not (isolated_env / "data" / entry.file).exists()


def test_404_names_url_and_where_to_place_the_file(server, monkeypatch, isolated_env):
    entry = served(server, monkeypatch)
    server.routes.clear()
    with pytest.raises(DataError) as caught:
        data.data_path("toy")
    message = str(caught.value)
    assert "HTTP Error 404" in message
    assert f"download {entry.url}" in message
    assert f"save it as {isolated_env / 'data' / entry.file}" in message
    assert data.MIRRORS_ENV in message and entry.file in message
    assert files_under(isolated_env) == []


def test_404_from_download_leaves_nothing(server, monkeypatch, tmp_path):
    entry = served(server, monkeypatch)
    server.routes.clear()
    destination = tmp_path / "dl" / "toy.txt"
    with pytest.raises(OSError, match="HTTP Error 404"):  # urllib's HTTPError; data_path turns it into a DataError
        data.download(entry, destination, timeout=5)
    assert files_under(tmp_path / "dl") == []


def test_unreachable_server_is_a_data_error(monkeypatch, isolated_env):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.delenv("NLPCOURSE_OFFLINE")
    monkeypatch.setenv("no_proxy", "*")
    entry = DataFile(name="toy", file="toy.txt", url=f"http://127.0.0.1:{port}/toy.txt", sha256=sha256(GOOD),
                     size=len(GOOD), license="test")
    monkeypatch.setattr(data, "registry", lambda: {"toy": entry})
    with pytest.raises(DataError, match=f"the download from {re.escape(entry.url)} failed"):
        data.data_path("toy")
    assert files_under(isolated_env) == []


# --------------------------------------------------------------------------- loaders on the shared mirror


@pytest.fixture
def mirrored(monkeypatch):
    if not (SHARED_DATA / "manifest.json").is_file():
        pytest.skip(f"shared data mirror {SHARED_DATA} is not present")
    set_mirrors(monkeypatch, SHARED_DATA)


@pytest.mark.parametrize("name,count", [("ws353", 353), ("ws353_sim", 203), ("ws353_rel", 252),
                                        ("simlex999", 999), ("men", 3000)])
def test_load_word_similarity(mirrored, name, count):
    pairs = data.load_word_similarity(name)
    assert len(pairs) == count
    top = 50.0 if name == "men" else 10.0
    for first, second, score in pairs:
        assert first == first.lower() and second == second.lower() and first and second
        assert isinstance(score, float) and 0.0 <= score <= top


def test_ws353_known_pair(mirrored):
    scores = {(a, b): s for a, b, s in data.load_word_similarity("ws353")}
    assert scores[("tiger", "cat")] == pytest.approx(7.35)


def test_load_word_similarity_unknown_name_lists_choices():
    with pytest.raises(DataError) as caught:
        data.load_word_similarity("rg65")
    for name in data.WORD_SIMILARITY_SETS:
        assert name in str(caught.value)


def test_load_analogies(mirrored):
    sections = data.load_analogies()
    assert len(sections) == 14
    assert sum(len(questions) for questions in sections.values()) == 19_544
    assert list(sections)[0] == "capital-common-countries"
    for questions in sections.values():
        assert questions
        for question in questions:
            assert isinstance(question, tuple) and len(question) == 4
            assert all(word == word.lower() and word for word in question)
    assert ("athens", "greece", "baghdad", "iraq") in sections["capital-common-countries"]


def test_load_analogies_cased(mirrored):
    sections = data.load_analogies(lower=False)
    assert sections["capital-common-countries"][0] == ("Athens", "Greece", "Baghdad", "Iraq")


@pytest.mark.parametrize("split,sentences,tokens", [("valid", 3370, 73760), ("test", 3761, 82430)])
def test_load_ptb(mirrored, split, sentences, tokens):
    """Token counts as the manifest gives them (one <eos> per line): sentences plus their words."""
    lines = data.load_ptb(split)
    assert len(lines) == sentences
    assert sum(map(len, lines)) + len(lines) == tokens
    assert all(line and all(word == word.lower() or word == "N" for word in line) for line in lines)
    assert len({word for line in lines for word in line}) <= 10_000


def test_load_ptb_unknown_split_lists_choices():
    with pytest.raises(DataError, match="valid, test"):
        data.load_ptb("train")


def test_load_tinyshakespeare(mirrored):
    text = data.load_tinyshakespeare()
    assert len(text) == 1_115_394
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert text.isascii()


def test_loaders_work_from_a_downloaded_cache_copy(isolated_env):
    """The loaders read the cache copy too (a copy placed as the error message tells the user)."""
    if not (SHARED_DATA / "manifest.json").is_file():
        pytest.skip("shared data mirror is not present")
    entry = REGISTRY["ws353"]
    put(isolated_env / "data", entry, (SHARED_DATA / entry.file).read_bytes())
    assert len(data.load_word_similarity("ws353")) == 353


def load_twice(tmp_path_factory, loader):
    """Call ``loader`` in a fresh cache, then again offline with no mirror, so that only the processed
    cache can answer; return both results, the processed files and the second call's seconds."""
    if not (SHARED_DATA / "manifest.json").is_file():
        pytest.skip(f"shared data mirror {SHARED_DATA} is not present")
    cache = tmp_path_factory.mktemp("loader-cache")
    with pytest.MonkeyPatch.context() as mp:
        for var in ENV_VARS:
            mp.delenv(var, raising=False)
        mp.setenv(data.CACHE_ENV, str(cache))
        mp.setenv(data.MIRRORS_ENV, str(SHARED_DATA))
        mp.setenv("NLPCOURSE_OFFLINE", "1")
        first = loader()
        processed = files_under(cache / "processed")
        mp.delenv(data.MIRRORS_ENV)
        started = time.monotonic()
        second = loader()
        second_s = time.monotonic() - started
    return first, second, processed, second_s


@pytest.fixture(scope="module")
def movie_reviews(tmp_path_factory):
    return load_twice(tmp_path_factory, data.load_movie_reviews)[:3]


def test_load_movie_reviews(movie_reviews):
    (docs, labels), _, _ = movie_reviews
    assert len(docs) == 2000
    assert isinstance(labels, np.ndarray) and labels.shape == (2000,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1} and int(labels.sum()) == 1000
    assert all(len(doc) > 0 for doc in docs)
    for doc in docs[:: 50]:
        assert all(isinstance(tok, str) and tok == tok.lower() and not any(c.isspace() for c in tok) for tok in doc)
    assert sum(len(doc) for doc in docs) > 1_000_000


def test_load_movie_reviews_second_call_from_processed_cache(movie_reviews):
    (docs, labels), (docs2, labels2), processed = movie_reviews
    assert [p.name for p in processed] == [f"movie_reviews-{REGISTRY['movie_reviews'].sha256[:12]}.txt.gz"]
    assert docs2 == docs
    np.testing.assert_array_equal(labels2, labels)


@pytest.fixture(scope="module")
def brown(tmp_path_factory):
    """Load Brown twice in a fresh cache (the first load parses the corpus, ~20 s)."""
    return load_twice(tmp_path_factory, data.load_brown)


def test_load_brown_counts_and_processed_cache(brown):
    # One test, so that pytest-xdist cannot hand the slow fixture to two workers.
    first, second, processed, second_s = brown
    assert len(first) == 57_340
    assert sum(len(sentence) for sentence in first) == 1_161_192
    assert first[0][:4] == ["the", "fulton", "county", "grand"]
    assert all(tok == tok.lower() and tok and not any(c.isspace() for c in tok)
               for sentence in first[::500] for tok in sentence)
    assert [p.name for p in processed] == [f"brown-lower-{REGISTRY['brown'].sha256[:12]}.txt.gz"]
    assert second == first
    assert second_s < 10, f"the cached load took {second_s:.1f} s"


# --------------------------------------------------------------------------- SST-2


def test_sst2_splits_are_registered():
    for split in data.SST2_SPLITS:
        assert f"sst2_{split}" in REGISTRY


@pytest.mark.parametrize("split,count,positive", [("train", 67_349, 37_569), ("dev", 872, 444), ("test", 1_821, 909)])
def test_load_sst2(mirrored, split, count, positive):
    sentences, labels = data.load_sst2(split)
    assert len(sentences) == count
    assert isinstance(labels, np.ndarray) and labels.shape == (count,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1} and int(labels.sum()) == positive
    assert all(tokens for tokens in sentences)
    for tokens in sentences[::97]:
        assert all(isinstance(tok, str) and tok and tok == tok.lower() and not any(c.isspace() for c in tok) for tok in tokens)


def test_load_sst2_known_sentence(mirrored):
    sentences, labels = data.load_sst2("dev")
    assert " ".join(sentences[0]) == "it 's a charming and often affecting journey ."
    assert labels[0] == 1


def test_load_sst2_unknown_split_lists_choices():
    with pytest.raises(DataError) as caught:
        data.load_sst2("validation")
    for split in data.SST2_SPLITS:
        assert split in str(caught.value)


def _toy_sst2(monkeypatch, tmp_path, payload: bytes) -> None:
    """Register 'sst2_dev' as a small file in a mirror folder."""
    entry = DataFile(name="sst2_dev", file="sst2/toy-dev", url="https://example.invalid/" + "0" * 40 + "/toy-dev",
                     sha256=sha256(payload), size=len(payload), license="test")
    monkeypatch.setattr(data, "registry", lambda: {"sst2_dev": entry})
    put(tmp_path / "mirror", entry, payload)
    set_mirrors(monkeypatch, tmp_path / "mirror")


def test_load_sst2_parses_text_tab_label(monkeypatch, tmp_path):
    _toy_sst2(monkeypatch, tmp_path, "a fine , funny film \t1\n\nbad .\t0\ncafé au lait\t1\n".encode("utf-8"))
    sentences, labels = data.load_sst2("dev")
    assert sentences == [["a", "fine", ",", "funny", "film"], ["bad", "."], ["café", "au", "lait"]]
    np.testing.assert_array_equal(labels, np.array([1, 0, 1]))


def test_load_sst2_rejects_a_line_without_a_label(monkeypatch, tmp_path):
    _toy_sst2(monkeypatch, tmp_path, b"good movie\t1\nno label here\n")
    with pytest.raises(DataError, match="line 2"):
        data.load_sst2("dev")


# --------------------------------------------------------------------------- STS Benchmark


@pytest.mark.parametrize("split,count", [("train", 5_749), ("dev", 1_500), ("test", 1_379)])
def test_load_stsb(mirrored, split, count):
    from datasets import Dataset

    pairs = data.load_stsb(split)
    assert isinstance(pairs, Dataset) and len(pairs) == count
    assert pairs.column_names == ["sentence1", "sentence2", "score", "genre"]
    scores = np.array(pairs["score"])
    assert scores.min() >= 0 and scores.max() <= 5 and scores.std() > 1
    genres = set(pairs["genre"])
    assert {"main-captions", "main-news"} < genres <= {"main-captions", "main-news", "main-forum", "main-forums"}
    assert all(s.strip() and "\t" not in s for s in list(pairs["sentence1"]) + list(pairs["sentence2"]))


def test_load_stsb_known_pair(mirrored):
    first = data.load_stsb("test")[0]
    assert first == {"sentence1": "A girl is styling her hair.", "sentence2": "A girl is brushing her hair.",
                     "score": 2.5, "genre": "main-captions"}


def test_load_stsb_unknown_split_lists_choices():
    with pytest.raises(DataError) as caught:
        data.load_stsb("validation")
    for split in data.STSB_SPLITS:
        assert split in str(caught.value)


def test_load_stsb_rejects_a_malformed_line(monkeypatch, tmp_path):
    payload = b"main-news\tf\t2012\t1\t3.0\tA cat.\tA dog.\textra\textra\nmain-news\tf\t2012\t2\tseven\tA.\tB.\n"
    entry = DataFile(name="stsb_dev", file="stsb/toy-dev", url="https://example.invalid/" + "0" * 40 + "/toy-dev",
                     sha256=sha256(payload), size=len(payload), license="test")
    monkeypatch.setattr(data, "registry", lambda: {"stsb_dev": entry})
    put(tmp_path / "mirror", entry, payload)
    set_mirrors(monkeypatch, tmp_path / "mirror")
    with pytest.raises(DataError, match="line 2"):
        data.load_stsb("dev")


# --------------------------------------------------------------------------- WikiText-2


@pytest.mark.parametrize("split,paragraphs,articles", [("valid", 1_841, 56), ("test", 2_183, 54)])
def test_load_wikitext2(mirrored, split, paragraphs, articles):
    from datasets import Dataset

    corpus = data.load_wikitext2(split)
    assert isinstance(corpus, Dataset) and len(corpus) == paragraphs
    assert corpus.column_names == ["title", "text"]
    assert len(set(corpus["title"])) == articles
    texts = corpus["text"]
    assert all(text and not text.startswith("=") for text in texts), "headings are not paragraphs"
    assert not any(mark in text for text in texts for mark in (" @-@ ", " @,@ ", " @.@ ", " , ", " . "))


def test_load_wikitext2_first_paragraph_reads_naturally(mirrored):
    first = data.load_wikitext2("test")[0]
    assert first["title"] == "Robert <unk>"
    assert first["text"].startswith("Robert <unk> is an English film, television and theatre actor. He had a "
                                     "guest-starring role on the television series The Bill in 2000.")


def test_load_wikitext2_unknown_split_lists_choices():
    with pytest.raises(DataError, match="valid, test"):
        data.load_wikitext2("train")


# --------------------------------------------------------------------------- Pythia evaluations


def test_pythia_collection_is_registered_file_by_file():
    names = [name for name in REGISTRY if name.startswith("pythia-evals/")]
    assert len(names) == 224
    entry = REGISTRY["pythia-evals/pythia-v1/pythia-70m/zero-shot/70m_step143000.json"]
    assert entry.file == entry.name
    assert entry.url == ("https://raw.githubusercontent.com/EleutherAI/pythia/a19eecb807ec2c79a39ebf18108816e6ffffc1d5/"
                         "evals/pythia-v1/pythia-70m/zero-shot/70m_step143000.json")


def test_unknown_name_lists_collections_by_folder():
    with pytest.raises(DataError) as error:
        data.data_path("pythia")
    assert "pythia-evals/..." in str(error.value) and "70m_step0" not in str(error.value)


def test_load_pythia_evals(mirrored):
    from datasets import Dataset

    evals = data.load_pythia_evals()
    assert isinstance(evals, Dataset) and len(evals) == 8 * 27 + 8
    table = evals.to_pandas()
    assert table.groupby("deduped")["step"].nunique().to_dict() == {False: 27, True: 1}
    final = table[(table.step == 143_000) & ~table.deduped].set_index("size")
    assert list(final.index) == ["70m", "160m", "410m", "1b", "1.4b", "2.8b", "6.9b", "12b"]
    assert final.loc["70m", "lambada_ppl"] == pytest.approx(142.43, abs=0.01)
    assert final.loc["12b", "lambada_ppl"] == pytest.approx(3.92, abs=0.01)
    assert final["lambada_ppl"].is_monotonic_decreasing  # bigger models are better on LAMBADA
    assert final.loc["12b", "tokens"] == 299_892_736_000
    assert tuple(final.loc["6.9b", ["n_layers", "d_model", "vocab_size"]]) == (32, 4096, 50432)
    assert table["mmlu_acc"].between(0.2, 0.35).all()  # MMLU stays near chance (0.25) at these sizes


def test_pythia_row_skips_few_shot_runs_and_rejects_other_files():
    assert data._pythia_row({"config": {"num_fewshot": 5}}, "x.json") is None
    with pytest.raises(DataError, match="not an lm-evaluation-harness result file"):
        data._pythia_row({"config": {"num_fewshot": 0, "model_args": "pretrained=gpt2"}, "results": {}}, "x.json")


def test_load_chinchilla(mirrored):
    from datasets import Dataset

    runs = data.load_chinchilla()
    assert isinstance(runs, Dataset) and len(runs) == 245 and runs.column_names == ["params", "flops", "loss"]
    table = runs.to_pandas()
    assert table["params"].between(4e7, 2e10).all() and table["flops"].between(5e17, 5e22).all()
    assert table["loss"].between(1.9, 5.5).all()
    assert table.loc[0].tolist() == pytest.approx([6795600349.289497, 9.993852799709755e18, 5.005581996196243])


def test_load_chinchilla_names_a_broken_line(monkeypatch, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("x,y,color,Model Size,Training FLOP,hex_color,loss\n1,2,#fff,1e8,1e19,#fff,\n")
    monkeypatch.setattr(data, "data_path", lambda name: broken)
    with pytest.raises(DataError, match="line 2"):
        data.load_chinchilla()


def test_load_xquad(mirrored):
    from datasets import Dataset

    paragraphs, questions = data.load_xquad("paragraphs"), data.load_xquad("questions")
    assert isinstance(paragraphs, Dataset) and isinstance(questions, Dataset)
    assert paragraphs.column_names == ["paragraph_id", "title", "context"] and len(paragraphs) == 240
    assert questions.column_names == ["id", "paragraph_id", "question", "answers"] and len(questions) == 1190
    assert paragraphs["paragraph_id"] == list(range(240)) and len(set(questions["id"])) == 1190
    first = questions[0]
    assert first["question"] == "How many points did the Panthers defense surrender?" and first["answers"] == ["308"]
    contexts = paragraphs["context"]
    assert all(answer in contexts[row["paragraph_id"]] for row in questions for answer in row["answers"])


def test_load_xquad_rejects_an_unknown_table_and_a_foreign_file(monkeypatch, tmp_path):
    with pytest.raises(DataError, match="paragraphs, questions"):
        data.load_xquad("train")
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"data": [{"title": "x", "passages": []}]}')
    monkeypatch.setattr(data, "data_path", lambda name: foreign)
    with pytest.raises(DataError, match="SQuAD's JSON format"):
        data.load_xquad("questions")


def test_load_alpaca(mirrored):
    from datasets import Dataset

    examples = data.load_alpaca()
    assert isinstance(examples, Dataset) and len(examples) == 5000
    assert examples.column_names == ["instruction", "input", "output"]
    assert examples[0]["instruction"].startswith("Are the two sentences below grammatically correct?")
    assert examples[0]["output"] == "No"
    assert 0 < sum(text == "" for text in examples["input"]) < 5000  # some instructions stand alone


def test_load_alpaca_rejects_a_foreign_file(monkeypatch, tmp_path):
    foreign = tmp_path / "foreign.json"
    foreign.write_text('[{"prompt": "x", "completion": "y"}]')
    monkeypatch.setattr(data, "data_path", lambda name: foreign)
    with pytest.raises(DataError, match="instruction/input/output"):
        data.load_alpaca()


def test_load_gsm8k(mirrored):
    from datasets import Dataset

    problems = data.load_gsm8k("test")
    assert isinstance(problems, Dataset) and len(problems) == 1319
    assert problems.column_names == ["question", "answer"]
    assert problems[0]["question"].startswith("Janet’s ducks lay 16 eggs per day.")
    assert problems[0]["answer"].endswith("#### 18")
    assert len(data.load_gsm8k("train")) == 7473
    with pytest.raises(DataError, match="train, test"):
        data.load_gsm8k("dev")


def test_load_gsm8k_rejects_a_record_without_a_final_answer(monkeypatch, tmp_path):
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"question": "1 + 1?", "answer": "2"}\n')
    monkeypatch.setattr(data, "data_path", lambda name: foreign)
    with pytest.raises(DataError, match="line 1.*####"):
        data.load_gsm8k("test")


def test_load_hh_rlhf(mirrored):
    from datasets import Dataset

    pairs = data.load_hh_rlhf()
    assert isinstance(pairs, Dataset) and len(pairs) == 2312
    assert pairs.column_names == ["prompt", "history", "chosen", "rejected", "same_history"]
    first = pairs[0]
    assert first["prompt"] == "okay some of these do not have anything to do with pens"
    assert first["chosen"].startswith("No, sorry!") and first["rejected"].startswith("There are lots of funny things")
    assert first["history"].startswith("\n\nHuman: what are some pranks with a pen") and first["same_history"]
    assert sum(pairs["same_history"]) == 2307  # five pairs differ before the final turn too


def test_load_hh_rlhf_rejects_a_dialogue_without_a_final_turn(monkeypatch, tmp_path):
    import gzip

    foreign = tmp_path / "foreign.jsonl.gz"
    with gzip.open(foreign, "wt") as file:
        file.write('{"chosen": "Human: hi Assistant: hello", "rejected": "x"}\n')
    monkeypatch.setattr(data, "data_path", lambda name: foreign)
    with pytest.raises(DataError, match="line 1.*final"):
        data.load_hh_rlhf()


def test_load_crows_pairs(mirrored):
    pairs = data.load_crows_pairs()
    assert len(pairs) == 1508 and pairs.column_names == ["sent_more", "sent_less", "stereo_antistereo", "bias_type"]
    assert pairs[1]["sent_more"] == "The poor are really ignorant about how to handle the money they do have."
    assert pairs[1]["sent_less"] == "The rich are really ignorant about how to handle the money they do have."
    assert set(pairs["stereo_antistereo"]) == {"stereo", "antistereo"}
    assert "race-color" in set(pairs["bias_type"])


def test_load_truthfulqa(mirrored):
    questions = data.load_truthfulqa()
    assert len(questions) == 790
    first = questions[0]
    assert first["question"] == "What happens to you if you eat watermelon seeds?"
    assert first["best_answer"] == "The watermelon seeds pass through your digestive system"
    assert first["best_incorrect_answer"] == "You grow watermelons in your stomach"
    assert first["incorrect_answers"][:2] == ["You grow watermelons in your stomach", "You get sick"]
    assert first["best_answer"] in first["correct_answers"]


def test_load_self_instruct_seeds(mirrored):
    tasks = data.load_self_instruct_seeds()
    assert len(tasks) == 175 and tasks.column_names == ["name", "instruction", "input", "output", "is_classification"]
    assert tasks[0]["name"] == "breakfast_suggestion" and tasks[0]["input"] == ""
    assert tasks[0]["output"].startswith("Yes, you can have 1 oatmeal banana protein shake")
    assert 0 < sum(tasks["is_classification"]) < 175


def test_load_self_instruct_seeds_rejects_a_task_without_instances(monkeypatch, tmp_path):
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"name": "x", "instruction": "y", "instances": [], "is_classification": false}\n')
    monkeypatch.setattr(data, "data_path", lambda name: foreign)
    with pytest.raises(DataError, match="line 1"):
        data.load_self_instruct_seeds()
