/*===- kgen-c/Runtime.h - compile and launch kgen functions from C ---------===*\
|*                                                                            *|
|* A C interface for embedders that hold their own tensors (PyTorch through   *|
|* ctypes, for one): compile a function of a kgen program for a GPU chip,     *|
|* then launch it on device pointers and a stream the caller owns; or compile *|
|* it with the CPU pipeline and run it on host memory the caller owns; keep   *|
|* either as bytes and load it in another process without compiling.         *|
|* Errors come back as strings the caller frees; nothing is printed.          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef KGEN_C_RUNTIME_H
#define KGEN_C_RUNTIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KgenGpuFunction KgenGpuFunction;

/* Compiles function `function_name` of the kgen program `source` (MLIR
 * text) for `chip` (sm_90a, sm_80). `schedule_options` are extra
 * kgen-schedule-kernels options in the pass's syntax ("" for none);
 * `check_seeds` is the number of input sets of the schedule verifier's CPU
 * numerical check (0 skips that rung). Needs no GPU. Returns NULL and sets
 * *error on failure. */
KgenGpuFunction *kgenCompileGpuFunction(const char *source,
                                        const char *function_name,
                                        const char *chip,
                                        const char *schedule_options,
                                        unsigned check_seeds, char **error);

/* Numbers of inputs and outputs; launch takes inputs then outputs. */
size_t kgenNumInputs(const KgenGpuFunction *function);
size_t kgenNumOutputs(const KgenGpuFunction *function);
/* Bytes of buffer `index` (inputs then outputs), 0 past the last: a launch
 * reads and writes whole buffers, so callers check their tensors' sizes
 * against these. */
size_t kgenBufferBytes(const KgenGpuFunction *function, size_t index);
/* Arithmetic (2 per multiply-add) and argument plus result bytes: the
 * inputs of the roofline floor. */
double kgenFlops(const KgenGpuFunction *function);
double kgenBytes(const KgenGpuFunction *function);

/* Runs the function once on `buffers` (dense device pointers, inputs then
 * outputs, each 16-byte aligned: the kernels use vector loads) with all work
 * on `stream` (a CUstream; NULL is the legacy default stream, as in CUDA).
 * Returns when the work is done: 0, or non-zero with *error set. */
int kgenLaunch(const KgenGpuFunction *function, void *const *buffers,
               size_t num_buffers, void *stream, char **error);

/* Returns device buffers cached by kgen's runtime to the driver. */
void kgenReleaseCachedMemory(void);

void kgenDestroyGpuFunction(KgenGpuFunction *function);

/* The compiled function as bytes (a kgen function image: the host object,
 * which holds the GPU binary, and the signatures) that kgenLoadGpuFunction
 * turns back into the same function, in this or another process on the
 * same kind of host, without compiling: what a cache of compiled code
 * keeps. Returns 0 with *data (freed with kgenFreeString) and *size set, or
 * non-zero with *error set. */
int kgenSerializeGpuFunction(const KgenGpuFunction *function, char **data,
                             size_t *size, char **error);

/* The function whose image kgenSerializeGpuFunction gave, for `chip`.
 * Returns NULL and sets *error when the bytes are not an image, were made
 * for another chip or another kind of host, or are truncated or corrupted:
 * the caller compiles again. */
KgenGpuFunction *kgenLoadGpuFunction(const char *data, size_t size,
                                     const char *chip, char **error);

typedef struct KgenCpuFunction KgenCpuFunction;

/* Compiles function `function_name` of the kgen program `source` (MLIR
 * text) with the CPU pipeline (kgen-run's, JIT-compiled for this machine).
 * Returns NULL and sets *error on failure. */
KgenCpuFunction *kgenCompileCpuFunction(const char *source,
                                        const char *function_name,
                                        char **error);

size_t kgenCpuNumInputs(const KgenCpuFunction *function);
size_t kgenCpuNumOutputs(const KgenCpuFunction *function);
/* As kgenBufferBytes, for a CPU function. */
size_t kgenCpuBufferBytes(const KgenCpuFunction *function, size_t index);

/* Runs the function once on `buffers`: dense row-major host memory, inputs
 * then outputs, shaped and typed (f32, f16, bf16) as the function's
 * arguments and results, each aligned to its element size. Returns 0, or
 * non-zero with *error set (a wrong number of buffers, a null one). */
int kgenRunCpuFunction(const KgenCpuFunction *function, void *const *buffers,
                       size_t num_buffers, char **error);

void kgenDestroyCpuFunction(KgenCpuFunction *function);

/* As kgenSerializeGpuFunction and kgenLoadGpuFunction, for a CPU function
 * (the image holds machine code for this host's CPU). */
int kgenSerializeCpuFunction(const KgenCpuFunction *function, char **data,
                             size_t *size, char **error);
KgenCpuFunction *kgenLoadCpuFunction(const char *data, size_t size,
                                     char **error);

/* Frees an error string or serialized bytes. */
void kgenFreeString(char *string);

#ifdef __cplusplus
}
#endif

#endif /* KGEN_C_RUNTIME_H */
