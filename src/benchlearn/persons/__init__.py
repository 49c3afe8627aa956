"""Person-level registers at national scale: one pipeline on DuckDB or Spark.

``simulate_persons`` writes ``persons``, ``person_weeks`` and ``events`` (Parquet);
``run`` aggregates them to the contract's ``support``, ``population`` and ``focus``
tables and the ``cells`` of the cell-level model, pseudonymising person ids on ingest
and applying the fewer-than-5-persons rule to everything it writes.
"""

from benchlearn.persons.pipeline import PersonsConfig, PersonsResult, run
from benchlearn.persons.pseudonymise import PseudonymKey, load_key
from benchlearn.persons.simulate import SimulatedPersons, simulate_persons

__all__ = ["PersonsConfig", "PersonsResult", "PseudonymKey", "SimulatedPersons", "load_key", "run", "simulate_persons"]
