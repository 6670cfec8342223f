/*===- kgen-c/Tune.h - the schedule search's view of a program -------------===*\
|*                                                                            *|
|* What a schedule search (kgen-tune, or an embedder's own) needs from kgen,  *|
|* one kernel at a time: the kernels of a program as the runners form them,   *|
|* the verification ladder for a candidate schedule, the static cost model,   *|
|* the built-in proposers (heuristic, random, LLM), and measurements of a     *|
|* verified schedule on the CPU or the GPU. Everything crosses the boundary   *|
|* as JSON text the caller frees with kgenFreeString (kgen-c/Runtime.h).      *|
|* Errors come back as strings; nothing is printed.                           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef KGEN_C_TUNE_H
#define KGEN_C_TUNE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KgenTuningSession KgenTuningSession;

/* Opens a session on the kgen program `source` (MLIR text) for `chip`
 * (sm_90a, sm_80, gfx942, gfx90a). `options_json` is "" or a JSON object:
 *   "function": the function measured on the GPU (default: the program's
 *               only public function),
 *   "check_seeds": input sets of the ladder's numerical rung (default 3),
 *   "llm": {"endpoint", "model", "temperature", "max_tokens", "timeout",
 *           "max_requests", "token_budget", "wall_budget", "api_key_env"}
 *          for the "llm" proposer (its budgets hold for the session).
 * Returns NULL and sets *error on failure. */
KgenTuningSession *kgenTuneOpen(const char *source, const char *chip,
                                const char *options_json, char **error);

/* A JSON array, one object per kernel in program order: "name",
 * "fingerprint", "key" (of the decisions file), "summary" (the kernel
 * summary the LLM is given), "text" (MLIR), "heuristic" (the heuristic
 * schedule), "flops", "bytes_floor", "sink_parallel_sizes",
 * "root_reduction_sizes". */
char *kgenTuneKernels(KgenTuningSession *session, char **error);

/* Runs the verification ladder on `schedule_json` for kernel `index`:
 * {"verdict": {"accepted", "reason", "message"}, "verify_seconds",
 *  "estimate"} where "estimate" (accepted schedules only, else null) is the
 * static cost model: "bytes_moved", "bytes_floor", "flops", "threads",
 * "blocks", "registers", "shared_bytes", "milliseconds". */
char *kgenTuneVerify(KgenTuningSession *session, size_t index,
                     const char *schedule_json, char **error);

/* As kgenTuneVerify, with the ladder's static rungs only (schema,
 * legality and resources, transform application; no numerical check):
 * milliseconds, for screening and ranking many candidates before the few
 * to be measured are verified. */
char *kgenTuneScreen(KgenTuningSession *session, size_t index,
                     const char *schedule_json, char **error);

/* Checks `schedule_json` statically (as kgenTuneScreen), then measures it
 * for kernel `index` with
 * `measurer` "cpu" (the scheduled kernel alone, full size, JIT-compiled
 * for this host, threads as loops), "gpu" (the program built with this
 * schedule for the kernel, on device 0: CUDA events, L2 flushed, inputs
 * rotated), or "static" (the cost model's estimate, nothing run). Before
 * timing, a run's full-size outputs are compared with a reference computed
 * once per kernel ("cpu") or program ("gpu"); the ladder's numerical rung
 * is kgenTuneVerify's, which a search runs on what it measures. Returns
 * {"measurer", "verdict", "milliseconds": [per run], "median"} plus, on
 * the GPU, "registers", "spill_bytes", "shared_bytes". A rejected schedule
 * or a mismatch is a verdict with no times, not an error; a missing GPU,
 * a bad measurer or index is an error (NULL). */
char *kgenTuneMeasure(KgenTuningSession *session, size_t index,
                      const char *schedule_json, const char *measurer,
                      unsigned runs, char **error);

/* Candidates from a built-in proposer for kernel `index`: "heuristic",
 * "random" (seeded with `seed`) or "llm" (the session's LLM options).
 * `history_json` is a JSON array of earlier attempts, each
 * {"schedule", "verdict": {"accepted", "reason", "message"}} and, for a
 * measured one, "milliseconds", "measurer", and where known
 * "floor_fraction" (the roofline floor's time over the measured time),
 * "registers", "spill_bytes", "shared_bytes": the LLM is shown all of it
 * and the fastest attempt as the one to beat. `history_json` may instead be
 * an object {"history": [...], "examples": [...]}, the examples being the
 * best schedules recorded for similar kernels, each {"kernel",
 * "sink_parallel_sizes", "root_reduction_sizes", "schedule"} with the
 * measurement fields above: the LLM is shown them first. Returns a JSON array of `count` or fewer
 * {"schedule" (null when none came), "failure" (a verdict, or null),
 *  "prompt", "reply"}. */
char *kgenTunePropose(KgenTuningSession *session, size_t index,
                      const char *proposer, unsigned long long seed,
                      const char *history_json, unsigned count, char **error);

/* The chat messages the LLM proposer sends for that request:
 * [{"role", "content"}, ...]. */
char *kgenTunePrompt(KgenTuningSession *session, size_t index,
                     const char *history_json, unsigned count, char **error);

/* Adds `entries_json` (a JSON object: decisions-file key -> entry, each
 * entry with at least "kernel", "proposer" and "schedule") to the decisions
 * file at `path` as kgen's builds do: under a lock on `<path>.lock`,
 * merged into the file as it is now (entries of other keys kept, those of
 * the same key replaced), written atomically. A file that is not a kgen
 * decisions file, or that may not be written, is left untouched and is an
 * error. Returns 0, or non-zero with *error set. */
int kgenRecordDecisions(const char *path, const char *entries_json,
                        char **error);

/* The entries of the decisions file at `path` as a JSON object ({} for a
 * missing file); NULL and *error for a file that is not one. */
char *kgenReadDecisions(const char *path, char **error);

/* The JSON Schema of a schedule (docs/schedule.schema.json). */
char *kgenTuneScheduleSchema(void);

void kgenTuneClose(KgenTuningSession *session);

#ifdef __cplusplus
}
#endif

#endif /* KGEN_C_TUNE_H */
