"""Labelled collections for measuring quality: the demo organisation and the public development sets.

Each is imported once into its own data folder under benchmarks/results/ (reused while the source
files are unchanged), then queried in-process through the same Finder the API uses.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from indexer.importer import import_files
from models.settings import Settings
from web.cli import demo_files, DEMO_DIR
from web.services import Services

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
DEVSETS = ROOT.parent.parent / "shared" / "devsets"


@dataclass
class Question:
    id: str
    text: str
    relevant: dict[str, float] = field(default_factory=dict)  # content id -> grade
    experts: dict[str, float] = field(default_factory=dict)  # person id -> grade


@dataclass
class Dataset:
    name: str
    files: list[Path]
    questions: list[Question]


def demo_dataset() -> Dataset:
    questions = []
    for path in sorted(DEMO_DIR.glob("questions_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                experts = {pid: 1.0 for pid in q.get("experts", [])}
                questions.append(Question(q["id"], q["text"], {k: float(v) for k, v in q["relevant"].items()}, experts))
    return Dataset("demo", demo_files(), questions)


def devset(name: str) -> Dataset | None:
    folder = DEVSETS / name
    if not folder.exists():
        return None
    texts = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            texts[q["id"]] = q["text"]
    questions = {qid: Question(qid, text) for qid, text in texts.items()}
    with open(folder / "qrels.tsv", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        for row in reader:
            question = questions.get(row["query_id"])
            if question is None:
                continue
            if "content_id" in row:
                question.relevant[row["content_id"]] = float(row["relevance"])
            else:
                question.experts[row["person_id"]] = float(row["relevance"])
    return Dataset(name, [folder / "import.jsonl"], [q for q in questions.values() if q.relevant or q.experts])


def all_datasets() -> list[Dataset]:
    found = [demo_dataset(), devset("cranfield"), devset("se_coffee")]
    return [d for d in found if d is not None and d.files]


def _fingerprint(files: list[Path], settings: Settings) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    digest.update(f"{settings.chunk_words}/{settings.chunk_overlap_words}".encode())
    return digest.hexdigest()[:16]


def loaded(dataset: Dataset, embedder=None, **overrides) -> Services:
    """A Services on the dataset's own data folder, imported on first use."""
    folder = RESULTS / f"data-{dataset.name}"
    settings = Settings(data=folder, **overrides)
    stamp = folder / "fingerprint"
    fingerprint = _fingerprint(dataset.files, settings)
    if not stamp.exists() or stamp.read_text() != fingerprint:
        shutil.rmtree(folder, ignore_errors=True)
        services = Services(settings, embedder)
        report = import_files(services.indexer, dataset.files)
        if report.errors:
            raise SystemExit(f"{dataset.name}: {len(report.errors)} import errors, first: {report.errors[0]}")
        stamp.write_text(fingerprint)
        return services
    return Services(settings, embedder)
