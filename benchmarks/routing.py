"""How question routing spreads load: every labelled demo question asked to the experts, in turn.

    python -m benchmarks.routing

Runs on a scratch copy of the demo data (questions and routes are writes), twice: as routing works, and
with the load discount off (every expert's waiting questions ignored), and prints for each how many
questions went to experts or to L&D's queue, how many distinct people were asked, the most loaded one,
and how often the right expert (the question's labelled one) was among those asked.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

import finder.routing
from benchmarks.datasets import demo_dataset, loaded
from models.settings import Settings
from web.actions.questions import ask_experts
from web.auth import Viewer
from web.services import Services

ASKER = Viewer(role="employee", user_id=0, username="benchmark", via="cli")


def route_all(source: Services, load_weight: float) -> dict:
    """Ask every demo question on a fresh copy of the demo data; returns the routing figures."""
    finder.routing.LOAD_WEIGHT = load_weight
    dataset = demo_dataset()
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        source.store.backup_to(data / "knowhow.db")
        source.indexes.save()
        shutil.copytree(source.settings.index_dir, data / "index")
        services = Services(Settings(data=data), source.embedder)
        asked: Counter[str] = Counter()
        to_lnd, hits, labelled = 0, 0, 0
        for question in dataset.questions:
            routed = ask_experts(services, ASKER, question.text)["routed_to"]
            asked.update(routed)
            to_lnd += not routed
            if question.experts:
                labelled += 1
                hits += bool(set(routed) & set(question.experts))
        services.close()
    busiest = asked.most_common(1)[0] if asked else ("-", 0)
    return {"questions": len(dataset.questions), "to L&D": to_lnd, "people asked": len(asked),
            "most loaded": f"{busiest[0]} ({busiest[1]})", "right expert asked": f"{hits}/{labelled}"}


def main() -> None:
    source = loaded(demo_dataset())
    default = finder.routing.LOAD_WEIGHT
    for label, weight in (("spread by load", default), ("no load discount", 0.0)):
        figures = route_all(source, weight)
        print(f"{label:>18}: " + ", ".join(f"{key} {value}" for key, value in figures.items()))
    finder.routing.LOAD_WEIGHT = default


if __name__ == "__main__":
    main()
