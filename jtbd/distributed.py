"""Ray Data for the stages that work text by text (`--ray auto|ADDRESS|local`): finding candidates, parsing, embedding.

The driver (the `jtbd cluster` process) reads the corpus, looks up the caches, and hands only what is new to Ray in
fixed batches; each worker loads its model once (Ray Data's batch-inference pattern: `map_batches` with a callable
class, an actor per worker) and gives each batch back. The driver writes every batch to the cache as it arrives,
so a killed run resumes from there, then clusters, labels and ranks as without Ray. A batch is the same slice of
the same texts as in a run without Ray, so the models see the same inputs.

Ray is an optional extra (`pip install 'jtbd[ray]'`); nothing here imports it until an engine is made.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from jtbd.errors import ConfigError

#: A function the driver sends to each worker, which builds there (once) what turns one batch into its results.
WorkerFactory = Callable[[], Callable[[Any], Any]]


class _Worker:
    """One Ray Data actor: builds its function once, then maps each batch (pickled, to keep any Python object)."""

    def __init__(self, make: WorkerFactory) -> None:
        self.fn = make()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = [pickle.dumps(self.fn(pickle.loads(payload))) for payload in batch["payload"]]
        return {"start": batch["start"], "payload": np.array(out, dtype=object)}


#: Seconds to wait for the probe actor that checks this process may start actors on the cluster.
PROBE_SECONDS = 120


class _Probe:
    """An actor that does nothing: starting one shows whether the cluster runs this process's actors."""

    def ready(self) -> bool:
        return True


class RayEngine:
    """Runs batches on a Ray cluster: `address` "auto" (a cluster started with `ray start --head`), "local" (one
    started inside this process, for trying it), or a cluster's address (`ray://host:10001`, `host:6379`)."""

    def __init__(self, address: str) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError(
                "--ray needs Ray: pip install 'jtbd[ray]' (or run without --ray: everything runs in this process)."
            ) from None
        if not ray.is_initialized():
            try:
                ray.init(address=None if address == "local" else address, log_to_driver=False, include_dashboard=False)
            except (ConnectionError, RuntimeError, ValueError) as error:
                raise ConfigError(
                    f"Could not reach a Ray cluster at {address!r} ({error}). Start one with `ray start --head`, "
                    "or pass --ray local."
                ) from None
        _check_actors_start(ray, address)
        ray.data.DataContext.get_current().enable_progress_bars = False  # jtbd draws its own, on the same stderr
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        self.address = address
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def map(
        self, make: WorkerFactory, items: Sequence[Any], batch_size: int, *, slices: Sequence[slice] | None = None
    ) -> Iterator[tuple[int, Any]]:
        """(start, results) for each batch of `items` (`items[start:start + batch_size]`, or the given `slices`),
        in the order they finish; `make()` runs once per worker and returns the function applied to each batch."""
        import ray

        slices = slices or [slice(start, start + batch_size) for start in range(0, len(items), batch_size)]
        if not slices:
            return
        rows = [{"start": s.start, "payload": pickle.dumps(list(items[s]))} for s in slices]
        dataset = ray.data.from_items(rows, override_num_blocks=min(len(rows), 4 * self.workers))
        mapped = dataset.map_batches(
            _Worker,
            fn_constructor_args=(make,),
            batch_size=1,  # one batch of ours per call: the models see exactly the slices a run without Ray makes
            batch_format="numpy",
            # Up to one actor per CPU, down to one: a fixed pool waits for every actor, and on a cluster of
            # 1-CPU nodes an actor can wait on the CPU the previous stage's actor still holds.
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=min(self.workers, len(rows))),
        )
        for batch in mapped.iter_batches(batch_size=None, batch_format="numpy"):
            for start, payload in zip(batch["start"], batch["payload"]):
                yield int(start), pickle.loads(payload)


def _check_actors_start(ray: Any, address: str) -> None:
    """Fail at once, saying why, where the cluster accepts this process but cancels every actor it asks for.

    Ray 2.60 does so (ActorDiedError, "the actor never ran") when the cluster's token authentication differs from
    this process's, e.g. a cluster started with RAY_AUTH_MODE=disabled and a jtbd without it. Checked on joining,
    before the corpus is read, not in the first batch job; a probe not started in `PROBE_SECONDS` (a busy cluster)
    is left to Ray."""
    probe = ray.remote(num_cpus=0)(_Probe).remote()
    try:
        ray.get(probe.ready.remote(), timeout=PROBE_SECONDS)
    except ray.exceptions.RayActorError:
        mode = os.environ.get("RAY_AUTH_MODE", "unset")
        raise ConfigError(
            f"The Ray cluster at {address!r} accepted this process but would not start its workers (RAY_AUTH_MODE "
            f"is {mode} here). Run jtbd with the RAY_AUTH_MODE the cluster was started with (e.g. "
            "RAY_AUTH_MODE=disabled on both), or its token (see https://docs.ray.io/en/latest/ray-security/token-auth.html)."
        ) from None
    except ray.exceptions.GetTimeoutError:
        pass
    finally:
        ray.kill(probe)


def make_engine(address: str | None) -> RayEngine | None:
    """The engine `--ray` names, or None (everything in this process)."""
    return RayEngine(address) if address else None
