"""Import rate of a folder of Markdown files: files/s and passages/s against the encoder's own rate on the
same passages, in the same run.

    python -m benchmarks.imports               # 2,000 files (a few minutes on 2 cores)
    python -m benchmarks.imports --files 300   # a quick look

A tree of Markdown files with front matter (authors by e-mail), headings and relative links, and an HR CSV
naming the authors, is written from real sentences (Cranfield's abstracts when the development sets are
present, else the demo's) and imported into a fresh data folder with the packaged model, through the same
call as `knowhow import`. Then the model alone encodes a sample of the passages the import embedded, in the
import's batches (and the time the import spent inside the model gives its rate there too); then the import
runs again with nothing changed, and with 1% of the files edited. A 2,000-file import takes minutes, so each
step runs once: compare the ratios, not the seconds, across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.datasets import RESULTS
from benchmarks.speed import encode_once, time_in_model, vocabulary_sentences
from indexer.embedder import Embedder
from indexer.folder_import import FolderReport, import_paths
from models.index_set import TABLES
from models.settings import Settings
from web.services import Services

FOLDERS = 20
PEOPLE = 40
RAW_SAMPLE = 600  # passages the model encodes on its own: its rate, without doubling the run


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def write_tree(root: Path, files: int, seed: int = 7) -> None:
    """`files` Markdown pages in FOLDERS folders (80-260 words in 2-3 sections, a link to another page) and
    people.csv with their authors."""
    rng = random.Random(seed)
    sentences, titles = vocabulary_sentences()
    root.mkdir(parents=True)
    lines = ["Name,Email,Job title,Department"]
    lines += [f"Person {n},person{n}@example.com,Engineer,Team {n % 8}" for n in range(PEOPLE)]
    (root / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    paths = [f"team-{n % FOLDERS:02d}/page-{n:05d}.md" for n in range(files)]
    for n, path in enumerate(paths):
        sections = []
        words = rng.randint(80, 260)  # a handbook page: one or two passages
        for _ in range(rng.randint(2, 3)):
            text = []
            while sum(len(s.split()) for s in text) < words // 3:
                text.append(rng.choice(sentences))
            sections.append(f"## {rng.choice(titles)}\n\n" + " ".join(text))
        other = rng.choice(paths)
        page = (f"---\ntitle: {json.dumps(f'{rng.choice(titles)} {n}')}\ntags: [topic-{n % 50}]\nkind: howto\n"
                f"authors: [person{rng.randrange(PEOPLE)}@example.com]\n---\n"
                + "\n\n".join(sections) + f"\n\nSee also [a related page](../{other}).\n")
        file = root / path
        file.parent.mkdir(exist_ok=True)
        file.write_text(page, encoding="utf-8")


def timed_import(services: Services, root: Path, embedder: Embedder) -> tuple[FolderReport, float, float, float]:
    """(report, seconds, of which reading files, of which in the model)."""
    read_done = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "files" and done == total:
            read_done[0] = time.perf_counter()

    with time_in_model(embedder) as inside:
        started = time.perf_counter()
        report = import_paths(services.indexer, [root], progress=progress)
        elapsed = time.perf_counter() - started
    if not report.ok or report.warnings:
        raise SystemExit(f"import problems, first: {(report.errors or report.warnings)[0]}")
    return report, elapsed, read_done[0] - started, inside[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000, help="Markdown files to generate (default 2,000)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    settings = Settings()
    # The model as `knowhow import` runs it (its ONNX copy kept beside the other benchmarks' results).
    embedder = Embedder(settings.model_path, settings.embed_batch_size, settings.encoder, RESULTS / "models")
    embedder.encode(["a warm-up sentence for the model"] * 64)

    with tempfile.TemporaryDirectory(prefix="knowhow-imports-") as scratch:
        tree = Path(scratch) / "handbook"
        write_tree(tree, args.files)
        services = Services(Settings(data=Path(scratch) / "data"), embedder)
        _ = services.indexes  # an empty index set, as a running server has one
        load = os.getloadavg()[0]
        log(f"importing {args.files:,} files")
        first, elapsed, reading, model = timed_import(services, tree, embedder)
        store = services.store
        texts = {table: list(store.passage_texts(table, store.passage_ids(table, pending_only=False)).values())
                 for table in TABLES}
        passages = sum(len(t) for t in texts.values())
        sample = {table: random.Random(1).sample(t, min(len(t), RAW_SAMPLE)) for table, t in texts.items()}
        sampled = sum(len(t) for t in sample.values())
        log(f"the model alone on {sampled:,} of the same passages")
        raw = encode_once(embedder, sample) / sampled * passages  # seconds for all of them at that rate
        log("again, nothing changed")
        _, unchanged_s, _, _ = timed_import(services, tree, embedder)
        edited = sorted(tree.rglob("page-*.md"))[:: 100]
        for path in edited:
            path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence, added later.\n", encoding="utf-8")
        log(f"again, {len(edited)} files edited")
        again, edited_s, _, _ = timed_import(services, tree, embedder)
        load_after = os.getloadavg()[0]
        services.close()

    words = sum(len(t.split()) for table in texts.values() for t in table) / max(passages, 1)
    files = first.new
    print(f"\nImport of {files:,} files ({args.files:,} Markdown + people.csv) -> {first.content:,} items, "
          f"{passages:,} passages ({words:.0f} words each), {first.people} people; load {load:.1f} -> {load_after:.1f}")
    print(f"  first import        {elapsed:7.1f} s   {files / elapsed:6.1f} files/s   "
          f"{passages / elapsed:6.1f} passages/s   (reading and parsing {reading:.1f} s; "
          f"inside the model {model:.1f} s, {100 * model / elapsed:.0f}%)")
    print(f"  the model alone                             {passages / raw:6.1f} passages/s"
          f"   (on {sampled} of them; inside the import {passages / model:.1f}/s)"
          f"  -> the import runs at {100 * raw / elapsed:.0f}% of the encoder's rate")
    print(f"  re-run, unchanged   {unchanged_s:7.1f} s   {files / unchanged_s:6.1f} files/s   "
          "(nothing read again or embedded)")
    print(f"  re-run, {again.changed} edited  {edited_s:7.1f} s")

if __name__ == "__main__":
    main()
