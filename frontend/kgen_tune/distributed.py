"""kgen-tune across the hosts of a Ray cluster: one task per kernel.

    from kgen_tune import Budget
    from kgen_tune.distributed import tune_on_ray
    result = tune_on_ray(open("prog.mlir").read(), target="sm_90a", measurer="gpu",
                         budget=Budget(evaluations=64), out_dir="tune-out",
                         decisions="prog.decisions.json", address="auto")

Each kernel of the program is tuned by one Ray task running
`tuner.tune(..., kernels=[kernel], out_dir=<out_dir>/<kernel>)` on some
worker of the cluster; kernels that are the same kernel (one fingerprint)
are tuned once. With the "gpu" measurer each task asks Ray for one GPU
(`num_gpus=1`): Ray gives it a GPU of its own (CUDA_VISIBLE_DEVICES), which
is device 0 to kgen's measurer, so no two measurements share a GPU and a
host runs as many kernels at once as it has GPUs. With the "cpu" measurer
a task takes `cpus_per_worker` CPUs (1, or `workers` when the tuner
verifies in that many processes).

The driver merges what the tasks return: each kernel's winner goes into
the decisions file through DecisionsStore (under kgen's lock, so entries
others wrote survive), the kernels' results into one TuneResult, written
to `<out_dir>/result.json`, and their evaluation logs into
`<out_dir>/evaluations.jsonl`; `<out_dir>/<kernel>/worker.json` says
where each task ran (host, Ray node, GPU ids). When the workers do not see the driver's
`out_dir` (hosts without a shared file system) a task tunes in a
temporary directory of its host and returns its files, which the driver
writes under `<out_dir>/<kernel>/`; it also ships a kernel's earlier
evaluations there, so a run resumes wherever its tasks land.

Every host needs kgen at the driver's paths: the tasks get PYTHONPATH =
the driver's frontend/ directory and the driver's KGEN_BUILD or
KGEN_C_LIBRARY (made absolute); pass `runtime_env` to say otherwise (its
"env_vars" win). An LLM strategy's API key is read from the workers'
environment (`llm["api_key_env"]`, KGEN_LLM_API_KEY by default): a local
cluster started here inherits the driver's; on a cluster started
elsewhere, set it there or pass it in runtime_env's env_vars.

Ray is PyPI's `ray`, pinned in requirements.txt; without it tune_on_ray
raises ImportError saying to install the requirements.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from .store import FORMAT, VERSION, DecisionsStore
from .tuner import (Budget, KernelResult, TuneResult, TuneUsageError, _select,
                    _write_result, check_arguments, progress_line)

__all__ = ["tune_on_ray", "import_ray", "RAY_MISSING"]

RAY_MISSING = ("kgen-tune's distributed search needs Ray (the ray package): "
               "pip install -r requirements.txt")
_MARKER = ".kgen-tune-ray"
_FRONTEND = Path(__file__).resolve().parents[1]


def import_ray():
    """The ray module, or ImportError with one line saying how to get it."""
    try:
        import ray
    except ImportError:
        raise ImportError(RAY_MISSING) from None
    return ray


def _dir_name(name: str, taken: set) -> str:
    """A file name for a kernel's directory: its name, made safe, unique."""
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".") or "kernel"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def _worker_env(runtime_env: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The tasks' runtime_env: this checkout's frontend/ on PYTHONPATH and
    the driver's library variables, under the caller's own settings."""
    env_vars = {}
    python_path = [str(_FRONTEND)] + [p for p in os.environ.get("PYTHONPATH", "").split(
        os.pathsep) if p]
    env_vars["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(python_path))
    for name in ("KGEN_C_LIBRARY", "KGEN_BUILD"):
        if os.environ.get(name):
            env_vars[name] = os.path.abspath(os.environ[name])
    merged = dict(runtime_env or {})
    merged["env_vars"] = {**env_vars, **dict(merged.get("env_vars") or {})}
    return merged


# --------------------------------------------------------------------------
# What runs on the workers (module level: Ray pickles them by reference)
# --------------------------------------------------------------------------

def _list_kernels(source: str, target: str, function: Optional[str]) -> List[Dict[str, Any]]:
    """The program's kernels as a worker's libkgen_c forms them."""
    from .native import Session
    with Session(source, target, function=function, check_seeds=0) as session:
        return [{"name": k["name"], "fingerprint": k["fingerprint"],
                 "key": k.get("key") or f"{k['fingerprint']}@{target}"}
                for k in session.kernels()]


def _tune_one(source: str, kernel: Dict[str, Any], out_dir: str, token: str,
              earlier: Optional[bytes], decisions: Optional[Dict[str, Any]],
              shared: Optional[bool], options: Dict[str, Any]) -> Dict[str, Any]:
    """Tunes one kernel with tuner.tune. In the driver's `out_dir` when this
    host sees it (the marker holds `token`), else in a temporary directory
    seeded with the kernel's `earlier` evaluations, whose files are then
    returned. The winner's decisions entry is read back from a private copy
    of the decisions file (`decisions`: its entries) that tune wrote."""
    from .tuner import tune

    out = Path(out_dir)
    if shared is None:
        try:
            shared = (out.parent / f"{_MARKER}-{token}").read_text() == token
        except OSError:
            shared = False
    scratch = Path(tempfile.mkdtemp(prefix="kgen-tune-ray-"))
    try:
        work = out if shared else scratch / "out"
        work.mkdir(parents=True, exist_ok=True)
        if not shared and earlier:
            (work / "evaluations.jsonl").write_bytes(earlier)
        copy = scratch / "decisions.json"
        copy.write_text(json.dumps({"format": FORMAT, "version": VERSION,
                                    "entries": decisions or {}}))
        result = tune(source, kernels=[kernel["name"]], out_dir=str(work),
                      decisions=str(copy), **options)
        kernel_result = result.kernels[0]
        entry = None
        if kernel_result.best_schedule is not None:
            entry = DecisionsStore(copy).load().get(kernel_result.key)
        files = None
        if not shared:
            files = {name: (work / name).read_bytes()
                     for name in ("evaluations.jsonl", "result.json")
                     if (work / name).is_file()}
        worker = {"host": socket.gethostname(), "node": None, "gpus": [],
                  "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
                  "shared_filesystem": shared}
        try:
            import ray
            worker["node"] = ray.get_runtime_context().get_node_id()
            worker["gpus"] = [str(g) for g in ray.get_gpu_ids()]
        except Exception:  # not under Ray (a direct call)
            pass
        return {"result": result, "entry": entry, "files": files, "worker": worker,
                "shared": shared}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------

def tune_on_ray(source: str, *, target: str = "sm_90a",
                kernels: Optional[Sequence[Union[str, int]]] = None,
                measurer: str = "cpu",
                strategies: Sequence[str] = ("heuristic", "evolution"),
                budget: Budget = Budget(evaluations=20), runs: int = 5,
                out_dir: Union[str, Path], function: Optional[str] = None, seed: int = 0,
                llm: Optional[Dict[str, Any]] = None,
                decisions: Optional[Union[str, Path]] = None, check_seeds: int = 3,
                seed_schedules: Any = None, workers: int = 0, llm_rate: float = 0.0,
                address: Optional[str] = None, gpus_per_worker: Optional[int] = None,
                cpus_per_worker: Optional[float] = None,
                runtime_env: Optional[Mapping[str, Any]] = None,
                ray_init: Optional[Mapping[str, Any]] = None,
                shared_filesystem: Optional[bool] = None,
                progress: Optional[Callable[[str], None]] = None) -> TuneResult:
    """Tunes the kernels of `source` (all, or those `kernels` names or
    indexes) as tuner.tune does, one Ray task per kernel; returns one
    TuneResult for them all (kernels in program order).

    The tuning arguments are tune()'s; `budget.evaluations` and
    `budget.seconds` hold for each kernel's task (tasks run side by side).
    `address`: the cluster to join ("auto", "ray://host:10001", ...); None
    joins the one this process is connected to or RAY_ADDRESS names, else
    starts a local one (`ray_init`: more ray.init arguments). A cluster
    this call connected to is disconnected at the end. `gpus_per_worker`:
    GPUs per task (default 1 with the "gpu" measurer, else 0).
    `shared_filesystem`: whether the workers see `out_dir`; None finds
    out (a marker file the driver writes). `progress` receives one line per
    kernel as its task ends.

    Errors: TuneUsageError for bad arguments (before any task runs); a task
    that fails raises its error here after the other tasks ended and their
    results were merged and saved."""
    ray = import_ray()
    check_arguments(budget, strategies, measurer)
    if gpus_per_worker is None:
        gpus_per_worker = 1 if measurer == "gpu" else 0
    if measurer == "gpu" and gpus_per_worker < 1:
        raise TuneUsageError("the gpu measurer needs gpus_per_worker >= 1 (a GPU of its own "
                             "per task keeps measurements apart)")
    if cpus_per_worker is None:
        cpus_per_worker = max(1, workers)
    store = DecisionsStore(decisions) if decisions else None
    recorded = None
    if store is not None:  # a file the winners cannot go to stops the run before any work
        store.check_writable()
        recorded = store.load()

    started = time.monotonic()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    marker = out / f"{_MARKER}-{token}"
    marker.write_text(token)

    connected_here = False
    try:
        if not ray.is_initialized():
            init = {"include_dashboard": False}
            init.update(ray_init or {})
            if address is not None:
                init["address"] = address
            ray.init(**init)
            connected_here = True
        _check_resources(ray, cpus_per_worker, gpus_per_worker)
        env = _worker_env(runtime_env)
        listing = ray.remote(_list_kernels).options(
            num_cpus=0, max_retries=0, runtime_env=env)
        try:
            program = ray.get(listing.remote(source, target, function))
        except ray.exceptions.RayError as e:  # a program that does not parse, no library
            raise _task_error("listing the kernels", e) from None
        chosen = _select(program, kernels)

        options = dict(target=target, function=function, strategies=tuple(strategies),
                       budget=budget, measurer=measurer, runs=runs, seed=seed, llm=llm,
                       check_seeds=check_seeds, seed_schedules=seed_schedules,
                       workers=workers, llm_rate=llm_rate)
        task = ray.remote(_tune_one).options(
            num_cpus=cpus_per_worker, num_gpus=gpus_per_worker, max_retries=0,
            runtime_env=env)

        taken: set = set()
        first_of: Dict[str, int] = {}     # fingerprint -> the index tuned
        pending: Dict[Any, int] = {}      # task -> kernel index
        dirs: Dict[int, Path] = {}
        combined = _read_lines(out / "evaluations.jsonl")
        for index in chosen:
            kernel = program[index]
            if kernel["fingerprint"] in first_of:
                continue
            first_of[kernel["fingerprint"]] = index
            dirs[index] = out / _dir_name(kernel["name"], taken)
            log = dirs[index] / "evaluations.jsonl"
            # records of the kernel only <out>/evaluations.jsonl holds (a plain
            # tune() run on out_dir) join its own log, to be resumed from
            own = {line for _, line in _read_lines(log)}
            extra = [line for fp, line in combined
                     if fp == kernel["fingerprint"] and line not in own]
            if extra:
                dirs[index].mkdir(parents=True, exist_ok=True)
                with open(log, "ab") as f:
                    if log.stat().st_size and not log.read_bytes().endswith(b"\n"):
                        f.write(b"\n")
                    f.write(b"".join(extra))
            earlier = log.read_bytes() if log.is_file() else None
            ref = task.remote(source, kernel, str(dirs[index]), token, earlier, recorded,
                              shared_filesystem, options)
            pending[ref] = index

        answers: Dict[int, Dict[str, Any]] = {}
        failures: List[BaseException] = []
        waiting = list(pending)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            index = pending[done[0]]
            try:
                answer = ray.get(done[0])
            except ray.exceptions.RayError as e:  # the task raised, or its worker died
                name = program[index]["name"]
                failures.append(_task_error(name, e))
                if progress:
                    progress(f"{name}: failed: {str(failures[-1]).split(': ', 1)[-1]}")
                continue
            answers[index] = answer
            files = dict(answer["files"] or {})
            files["worker.json"] = (json.dumps(answer["worker"], indent=1) + "\n").encode()
            _write_back(dirs[index], files)
            if progress:
                progress(progress_line(answer["result"].kernels[0]))

        result = _merge(program, chosen, first_of, answers, out, target=target,
                        measurer=measurer, strategies=strategies, budget=budget, seed=seed)
        if store is not None:
            store.save({answers[i]["result"].kernels[0].key: answers[i]["entry"]
                        for i in sorted(answers) if answers[i]["entry"] is not None})
        _combine_logs(out, [line for fp, line in combined if fp not in first_of],
                      [dirs[i] for i in sorted(dirs)])
        result.seconds = time.monotonic() - started
        _write_result(out, result)
        if failures:
            raise failures[0] from None
        return result
    finally:
        try:
            marker.unlink()
        except OSError:
            pass
        if connected_here:
            ray.shutdown()


def _task_error(kernel: str, error: BaseException) -> BaseException:
    """The error a kernel's task raised, as its own type with the kernel's
    name in front (KgenTuneError, TuneUsageError, ...: one line), rather
    than Ray's wrapper and the worker's traceback."""
    cause = getattr(error, "cause", None)
    if not isinstance(cause, Exception):
        lines = str(error).strip().splitlines() or [type(error).__name__]
        return RuntimeError(f"{kernel}: its Ray task failed: {lines[-1]}")
    try:
        return type(cause)(f"{kernel}: {cause}")
    except Exception:  # a type that takes other arguments
        return cause


def _check_resources(ray, cpus: float, gpus: float) -> None:
    """TuneUsageError when no node of the cluster has what a task asks for
    (Ray would wait for such a node forever)."""
    nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
    if any(r.get("CPU", 0) >= cpus and r.get("GPU", 0) >= gpus for r in nodes):
        return
    have = ", ".join(f"{r.get('CPU', 0):g} CPUs and {r.get('GPU', 0):g} GPUs"
                     for r in nodes) or "no nodes"
    raise TuneUsageError(f"no node of the Ray cluster has the {cpus:g} CPUs and {gpus:g} "
                         f"GPUs a kernel's task asks for (its nodes have {have}); "
                         "lower cpus_per_worker or gpus_per_worker, or add such a node")


def _write_back(directory: Path, files: Optional[Dict[str, bytes]]) -> None:
    """Into a kernel's directory: worker.json (where its task ran: host,
    Ray node, GPU ids) and, from a host without the driver's file system,
    the task's evaluations.jsonl and result.json."""
    from kgen_import.files import write_output
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in (files or {}).items():
        write_output(directory / name, data)


def _merge(program, chosen, first_of, answers, out: Path, **fields) -> TuneResult:
    """One TuneResult of the tasks' results, kernels in program order; a
    kernel seen before is `same_as` the one tuned."""
    result = TuneResult(out_dir=str(out), strategies=list(fields.pop("strategies")), **fields)
    for index in chosen:
        kernel = program[index]
        tuned = first_of[kernel["fingerprint"]]
        if tuned != index:
            result.kernels.append(KernelResult(
                name=kernel["name"], index=index, fingerprint=kernel["fingerprint"],
                key=kernel["key"], same_as=program[tuned]["name"]))
        elif index in answers:
            one = answers[index]["result"]
            result.kernels.extend(one.kernels)
            result.warnings.extend(w for w in one.warnings if w not in result.warnings)
        else:
            result.warnings.append(f"{kernel['name']}: its task failed; not tuned")
    return result


def _read_lines(path: Path) -> List[tuple]:
    """(fingerprint or None, line with its newline) for each line of a log."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    lines = []
    for line in data.splitlines(keepends=True):
        if not line.strip():
            continue
        try:
            fp = json.loads(line).get("fingerprint")
        except (ValueError, AttributeError):
            fp = None
        lines.append((fp, line if line.endswith(b"\n") else line + b"\n"))
    return lines


def _combine_logs(out: Path, others: List[bytes], directories: List[Path]) -> None:
    """<out>/evaluations.jsonl: the records of kernels not tuned this time,
    then the kernels' logs one after another (a plain tune() run on `out`
    resumes from it)."""
    from kgen_import.files import write_output
    parts = list(others)
    for d in directories:
        log = d / "evaluations.jsonl"
        if log.is_file():
            data = log.read_bytes()
            if data and not data.endswith(b"\n"):
                data += b"\n"
            parts.append(data)
    if parts:
        write_output(out / "evaluations.jsonl", b"".join(parts))
