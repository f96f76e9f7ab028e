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
from web.cli import DEMO_DIR, demo_files
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


def loaded(dataset: Dataset, embedder=None, tag: str = "", **overrides) -> Services:
    """A Services on the dataset's own data folder, imported on first use; `tag` names a separate folder
    (vectors of another encoder: `benchmarks.int8`)."""
    folder = RESULTS / f"data-{dataset.name}{tag}"
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


# --- Answerability splits: a collection with the items that answer some questions left out -----------------

@dataclass
class Split:
    """Questions labelled answerable (True) or not (False) over a collection imported without `removed`."""
    name: str
    collection: str
    dataset: Dataset  # the import (files without the removed items); questions unused
    labels: list[tuple[Question, bool]]

    def counts(self) -> tuple[int, int]:
        yes = sum(label for _, label in self.labels)
        return yes, len(self.labels) - yes


def _without(name: str, files: list[Path], removed: set[str]) -> list[Path]:
    """The import files with the content items in `removed` dropped, written under benchmarks/results."""
    folder = RESULTS / "splits" / name
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in files:
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else None
            if record is None or (record.get("type", "content") == "content" and record.get("id") in removed):
                continue
            if record.get("replaced_by") in removed:  # its replacement is left out: it is current again
                del record["replaced_by"]
                line = json.dumps(record, ensure_ascii=False)
            kept.append(line)
        target = folder / path.name
        text = "\n".join(kept) + "\n"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def leave_out(name: str, dataset: Dataset, removed: set[str]) -> Split:
    """The public judge's construction: a question whose relevant items were all removed is unanswerable,
    one whose relevant items all remain is answerable, one with some of each is left out. Questions that
    had no relevant item to begin with (the demo's unanswerable ones) stay unanswerable."""
    labels = []
    for q in dataset.questions:
        gone = set(q.relevant) & removed
        if not q.relevant or gone == set(q.relevant):
            labels.append((q, False))
        elif not gone:
            labels.append((q, True))
    return Split(name, dataset.name, Dataset(name, _without(name, dataset.files, removed), []), labels)


def cranfield_answerability() -> Split | None:
    """The published split: Cranfield without `answerability_removed.txt`, labels from `answerability.tsv`."""
    folder = DEVSETS / "cranfield"
    cranfield = devset("cranfield")
    if cranfield is None or not (folder / "answerability.tsv").exists():
        return None
    removed = set((folder / "answerability_removed.txt").read_text(encoding="utf-8").split())
    by_id = {q.id: q for q in cranfield.questions}
    with open(folder / "answerability.tsv", encoding="utf-8") as handle:
        labels = [(by_id[row["query_id"]], row["answerable"] == "1")
                  for row in csv.DictReader(handle, delimiter="\t") if row["query_id"] in by_id]
    name = "cranfield-answerability"
    return Split(name, "cranfield", Dataset(name, _without(name, cranfield.files, removed), []), labels)


def demo_splits(folds: int = 3) -> list[Split]:
    """The demo as shipped (its 9 unanswerable questions against the rest), and `folds` leave-out splits:
    fold f removes every item relevant to the answerable questions f, f + folds, f + 2 * folds, ..."""
    demo = demo_dataset()
    splits = [Split("demo", "demo", demo, [(q, bool(q.relevant)) for q in demo.questions])]
    answerable = sorted((q for q in demo.questions if q.relevant), key=lambda q: q.id)
    for fold in range(folds):
        removed = {cid for q in answerable[fold::folds] for cid in q.relevant}
        splits.append(leave_out(f"demo-out{fold + 1}", demo, removed))
    return splits


def cranfield_splits(seeds: tuple[int, ...] = (1, 2)) -> list[Split]:
    """More Cranfield splits built like the published one (for development only: same collection)."""
    import random

    cranfield = devset("cranfield")
    if cranfield is None:
        return []
    splits = []
    for seed in seeds:
        chosen = random.Random(seed).sample(sorted(cranfield.questions, key=lambda q: q.id), 110)
        removed = {cid for q in chosen for cid in q.relevant}
        splits.append(leave_out(f"cranfield-out{seed}", cranfield, removed))
    return splits


def answerability_splits() -> list[Split]:
    published = cranfield_answerability()
    return demo_splits() + ([published] if published else [])
