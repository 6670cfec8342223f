//===- Passes.td - kgen conversion passes -------------------*- tablegen -*-===//

#ifndef KGEN_CONVERSION_PASSES_TD
#define KGEN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

// The endpoint of the LLM proposers, shared by kgen-form-kernels and
// kgen-schedule-kernels (llmOptionsOf in kgen/Proposer/ProposerFactory.h
// reads them; docs/llm.md describes them).
defvar kgenLlmOptions = [
    Option<"llmEndpoint", "llm-endpoint", "std::string", "\"\"",
           "Base URL of an OpenAI-compatible API, e.g. http://host:8000/v1">,
    Option<"llmModel", "llm-model", "std::string", "\"\"", "Model name">,
    Option<"llmTemperature", "llm-temperature", "double", "0.2",
           "Sampling temperature">,
    Option<"llmMaxTokens", "llm-max-tokens", "int", "2048",
           "Completion tokens per request">,
    Option<"llmTimeout", "llm-timeout", "double", "60",
           "Seconds allowed per request">,
    Option<"llmMaxRequests", "llm-max-requests", "int", "16",
           "HTTP requests allowed for the pass run, retries included">,
    Option<"llmTokenBudget", "llm-token-budget", "int64_t", "1000000",
           "Prompt + completion tokens allowed for the pass run">,
    Option<"llmWallBudget", "llm-wall-budget", "double", "300",
           "Wall-clock seconds allowed for the pass run's LLM requests and "
           "waits between retries">,
    Option<"llmApiKeyEnv", "llm-api-key-env", "std::string",
           "\"KGEN_LLM_API_KEY\"",
           "Environment variable holding the API key (never logged)">,
];

def ConvertKgenToLinalgPass : Pass<"kgen-to-linalg"> {
  let summary = "Lower kgen operations to linalg on tensors";
  let description = [{
    Rewrites every `kgen` operation into `linalg` named operations or
    `linalg.generic` on tensors (with `tensor`, `arith` and `math` for the
    glue), split by operation family: contractions, elementwise, reductions,
    scans, normalizations and data movement. `f16`/`bf16` arithmetic is
    carried out in `f32` and rounded once. softmax and log_softmax subtract
    the maximum before exponentiating; along rows longer than a block of
    the target can stage in workgroup memory (`target`: its shared memory
    per block, 227 KB on sm_90a, 163 KB on sm_80, 64 KB on gfx942; without
    a target, the most any known target stages), where each statistic would
    read the row from memory again, their statistics stream (`stream-rows`
    overrides the choice): the row is viewed as
    [N / C, C] (C a power of two up to 1024, chunks of at least 32
    elements, interleaved so that neighbouring threads read neighbouring
    elements), one generic keeps a running maximum and a running sum of
    exp(x - max) per chunk (online softmax: one read of the row), and two
    row reductions over the C chunks combine them (the maximum, then the
    chunks' sums rescaled to it); a chunk of -inf only adds 0. layer_norm
    over such rows keeps Welford's running mean and sum of squared
    deviations per chunk, combined as Chan et al. combine them. layer_norm and rms_norm follow
    PyTorch's formulas (biased variance, `eps` inside the square root).
    sum, mean, max and min over dims that are not adjacent reduce in two
    stages, the innermost run of reduced dims first, so that each stage's
    rows can be shared by lanes.
    cumsum and cumprod are reductions: rows of 256 or more that split into
    blocks of B (near the square root) take three generics (each block's
    total, their exclusive scan, then each output from its block's prefix
    and the block's elements up to it: O(n (B + n / B)) work per row);
    other rows one generic whose output i combines the elements j <= i
    (O(n^2)). No single-pass scan schedule yet.

    A pointwise convolution (every kernel extent 1, stride 1, no padding, any
    groups, 1 to 3 spatial dimensions) becomes a `linalg.batch_matmul`, one
    matmul per image and group on reshapes of the NCHW tensors, so that it
    takes the matmul schedules (staging, pipelining, tensor cores); the
    weight is broadcast over the images first (batch_matmul reads one
    weight matrix per batch) and the bias is added on the matmul's shape,
    where it fuses into the matmul's kernel. Every other convolution with
    8 or more output channels per group becomes the same batch matmul over
    an im2col matrix `[N*G, C/G * kernel extent, output pixels]` gathered
    by a `linalg.generic` with `tensor.extract` (the padding a bounds check
    in the gather, no padded copy). A transposed convolution with 8 or more
    output channels per group and a stride is split by output phase (o mod
    stride, dilation 1): each phase is a direct convolution over ceil(k /
    stride) taps per dim, so one batch matmul over (phase, image, group)
    gathers the phases' im2col matrices and weights (taps past the kernel
    read as zero weights), and a gather interleaves the phases into the
    output with the bias. A dilated one is the batch matmul of the direct
    form: its im2col gather reads, for each tap, the input position whose
    stride multiple lands on the output position (a zero where none does),
    and its weight `[C, F/G, k...]` is gathered into `[N*G, F/G, C/G *
    kernel extent]`. Depthwise
    and few-channel convolutions, direct or transposed, become one
    `linalg.generic` over (n, g, f, out..., c, k...) that reads the input
    through a strided, dilated map, or gathers it with `tensor.extract` and
    the same bounds check (no padded copy, which was a kernel of its own).

    Fails with a located diagnostic if any kgen operation is left, or with
    an error naming the known chips if `target` is not one.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"\"",
           "GPU chip the kernels are formed for (sm_90a, sm_80, gfx942, "
           "gfx90a): its shared memory per block decides which rows stream; "
           "empty: rows longer than any known chip's block stages">,
    Option<"streamRows", "stream-rows", "::mlir::kgen::RowStreaming",
           "::mlir::kgen::RowStreaming::Auto",
           "Which rows take streaming statistics",
           [{::llvm::cl::values(
             clEnumValN(::mlir::kgen::RowStreaming::Auto, "auto",
                        "rows longer than a block of the target stages"),
             clEnumValN(::mlir::kgen::RowStreaming::Always, "always",
                        "every row that splits into chunks"),
             clEnumValN(::mlir::kgen::RowStreaming::Never, "never",
                        "none: each statistic reads its row"))}]>,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RecognizeAttentionPass : Pass<"kgen-recognize-attention"> {
  let summary = "Rewrite softmax(Q·Kᵀ·scale)·V written out of kgen ops as kgen.attention";
  let description = [{
    A model's own attention core, written as a product of the queries with
    the transposed keys (`kgen.permute` swapping the last two dimensions),
    optionally scaled by a scalar constant (`kgen.mul` either way round or
    `kgen.div`), a `kgen.softmax` over the last dimension and a product
    with the values, becomes one `kgen.attention` of the queries, keys and
    values with that scale. The products may be `kgen.matmul`,
    `kgen.batch_matmul`, or a `kgen.batch_matmul` between reshapes that
    collapse the leading dimensions into one batch and restore them (as
    the importer writes `torch.matmul` on 4-D tensors). The scores, their
    scaling and the probabilities must have no other reader, and every
    operand the element type of the result.

    `kgen.attention` computes the scores and the softmax in `f32` and
    rounds the probabilities once, where the written-out form in `f16` or
    `bf16` rounds the scores, the scaled scores and the probabilities: the
    rewrite is at least as accurate. An additive mask is not taken:
    `kgen.attention` gives a query whose keys are all masked zeros, where
    the written-out softmax gives NaN (so does a row of -inf scores, which
    only infinite queries or keys make). Nor is a scale that is zero,
    negative or not finite. The written-out ops left unused are erased.
  }];
  let dependentDialects = ["::mlir::kgen::KgenDialect"];
}

def FuseElementwisePass : Pass<"kgen-fuse-elementwise"> {
  let summary = "Fuse elementwise producers into their linalg.generic consumers";
  let description = [{
    Merges every elementwise `linalg.generic` (all loops parallel) into the
    `linalg.generic` ops that read it, when the consumer reads it through a
    permutation of all its loops: each producer element is then computed
    once per consumer iteration, never once per broadcast or per tile of a
    contraction. A producer that other ops still read stays for them, so
    the cost of fusing a producer into several consumers is recomputing it
    (an exponential, a subtraction), never a materialized tensor.

    Kernel formation keeps arithmetic producers out of a reduction's kernel
    (they would be recomputed per tile of a contraction); fused here
    instead, `sum(exp(x - max))` is one reduction reading `x` and `max`
    rather than three kernels, two of them writing and reading a full-size
    temporary.

    Before fusing, the unit dimensions of elementwise generics are dropped
    (the `[M, 1]` shapes `keepdim` reductions leave), and reshapes that
    cancel fold away, so that the epilogue of a row reduction reads its
    result directly and joins the reduction's kernel. Reductions and
    contractions keep their loops: a row reduction over `[1, N]` stays one.

    Once fusion has settled, an elementwise generic that reads a reshaped
    result of a reduction or contraction (a convolution's bias and
    activation on the `[N, C, H, W]` view of its `[N, C, H*W]` product)
    is rewritten on the product's view, its result reshaped after it
    (upstream reshape folding by collapsing or expansion), so that it
    joins the product's kernel as its epilogue. Only when every reader of
    the reshaped tensor is elementwise and no reduction reads the
    generic's result: a softmax's statistics and normalization, and the
    scaling of attention scores they absorb, keep their shared view.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def CollapseReductionLoopsPass
    : Pass<"kgen-collapse-reduction-loops", "::mlir::ModuleOp"> {
  let summary = "Collapse adjacent reduction loops of a generic into one";
  let description = [{
    A `linalg.generic` whose reduction loops include adjacent ones that
    every operand indexes together, in order (a mean over H and W of
    `[N, C, H, W]`, instance norm's statistics with the deviations fused
    in), is rewritten by upstream `linalg::collapseOpIterationDims` to
    iterate each such run as one loop, its operands collapsed to match
    (views of row-major tensors):

        sum(x[N, C, H, W], dims [2, 3]) = sum(x'[N, C, H*W], dim 2)

    Cooperative lanes, row staging and the split of few-output reductions
    take a reduction over one loop; over several, each output was reduced
    by one thread. The pass runs after elementwise fusion, so producers
    already fused into the reduction are collapsed with it instead of
    being cut off by a reshape. Runs that an operand indexes apart or out
    of order (a transposed read) are left alone, as are parallel loops.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def MaterializeReductionIndicesPass
    : Pass<"kgen-materialize-reduction-indices", "::mlir::ModuleOp"> {
  let summary = "Read a reduction loop's index from a constant input";
  let description = [{
    A `linalg.generic` whose body reads the index of one of its reduction
    loops (`linalg.index`; the key position of a causal mask over
    `[batch, L, S]`) gets, for each such loop of size n, an input holding
    the constant `[0, 1, ..., n - 1]` (i32) read through that loop alone,
    and the index ops become that input's element:

        %k = linalg.index 2 : index
      becomes
        ins(..., %iota : tensor<Sxi32>)  affine_map<(b, l, s) -> (s)>
        %k = arith.index_cast %pos : i32 to index

    Upstream `linalg::splitReduction`, on which cooperative lanes,
    `split_reduction` and the split of few-output reductions rest,
    renumbers the loops but not the index ops, so such reductions kept
    one thread per output. An input is reshaped by every split like any
    operand. Indices of parallel loops are left as they are (a split keeps
    the loops before the reduction in place), as are generics with dynamic
    sizes.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def SplitWholeReductionsPass
    : Pass<"kgen-split-whole-reductions", "::mlir::ModuleOp"> {
  let summary = "Split reductions of whole tensors, or with few outputs, into partials";
  let description = [{
    A `linalg.generic` that reduces every loop of its inputs (read through
    identity maps) to a rank-0 result, such as a global sum or a loss, is a
    single output: one kernel with one thread, or one block, on it. When it
    has at least 8192 elements, this pass rewrites it as a row reduction
    over P rows of the flattened inputs (P up to 1024, rows of at least
    4096 elements, P dividing the element count), which kernel formation
    and the lanes schedule like any row reduction, then a reduction of the
    P partials (one row, folded with the original's combiner; when P is
    at least 32, padded with the identity to a multiple of 128 so that
    lanes split it too: fewer are folded by one thread, not worth a
    padding kernel's launch), reshaped to the scalar:

        sum(x[4096, 4096]) = sum(sum(x'[1024, 16384], dim 1)[1, 1024], dim 1)

    With 128 to 8191 elements (or a count no divisor of which leaves rows
    of 4096) it becomes one row, `sum(x'[1, N], dim 1)`, one kernel whose
    block of lanes shares the row: a reduction to a scalar has no output
    dimension for lanes, and ran on one thread. Rank-0 elementwise ops on
    the result (a mean's division) move onto the row of one, before the
    reshape, so that kernel formation keeps them in the reduction's
    kernel.

    The combiner is the single op `matchReduction` finds (`arith.addf`,
    `maximumf`, `maxnumf`, `minimumf`, `minnumf`), and the output must start
    from a `linalg.fill` with its identity (0, -inf, +inf): every row then
    starts from it too. The reduction order changes (row by row), as any
    parallel reduction's does.

    A reduction with few outputs (fewer than 128: less than a block per SM
    of an H100 or H200) over one loop of at least 8192 iterations (the 16
    column sums of a tall matrix, the sums of four long rows) is split the
    same way per output, by upstream `linalg::splitReduction`: P chunks of
    at least 4096 iterations (P chosen as for the rows above, with N x P at
    most 1024 and more than 128), reduced in parallel into N x P partials,
    then folded into the original output. The chunks' index goes after the
    outputs when the reduction loop was innermost (rows of partials), first
    otherwise (columns of partials). Other reductions are left alone.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def InterleaveReductionsPass
    : Pass<"kgen-interleave-reductions", "::mlir::ModuleOp"> {
  let summary = "Accumulate long reductions in interleaved partials (CPU path)";
  let description = [{
    A reduction that linalg-to-loops lowers as written folds every element
    into one running value; in fp32 new terms round away once that value is
    large (a sequential sum of 10^8 elements is several percent off). This
    pass, which the CPU pipeline runs (kgen-run on the CPU, rung 4's
    reference), gives such accumulation the shape the GPU kernels' lanes
    have:

    - A `linalg` op on tensors outside any loop (a scheduled kernel's ops
      keep their schedule's order), with one result whose combiner has a
      neutral element (`matchReduction` and `arith::getNeutralElement`:
      sums, products, max, min), static sizes and a reduction loop of at
      least 128 iterations, accumulates its longest reduction loop in T
      interleaved partials (partial t takes elements t, T + t, 2T + t,
      ...): T is a power of two, about a K/8 (each partial takes at least 8
      elements), up to 1024, halved while the partials of all outputs
      together exceed 2^22 elements (a large matmul keeps its sequential K
      loop; below 16 partials nothing changes). The loop over the steps is
      an `scf.for` carrying the partials; they are then folded pairwise
      (T/2 `linalg.map`s of halves, log2(T) of them) and the last one into
      the original output by `linalg.reduce`.
    - A scheduled kernel's combination of its lanes' partials (the generic
      marked `kgen.lane_combine`, an even number of partials folded by one
      combining op) folds them pairwise too, as the GPU's shuffles do,
      halving them while their count is even; an odd rest (25 of 800
      lanes' partials) is folded in sequence, as the GPU folds its
      subgroups' results.

    The error then grows with K / T + log2(T) instead of K.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def StageRowsPass : Pass<"kgen-stage-rows", "::mlir::ModuleOp"> {
  let summary = "Copy a block's rows into workgroup memory once, for all its reads";
  let description = [{
    A normalization's kernel reads its input row once per statistic and once
    more to normalize (softmax: three times). A schedule with
    `reduction_lanes` and `promote_operands` stages the promoted operands'
    rows instead: the expansion marks the workgroup loop with
    `kgen.stage_rows` (the kernel arguments, the lanes' layout and the
    threads per row dimension), and this pass, on tensors:

    - takes the block's first read of each marked argument (a slice of it,
      or of an expand_shape of it, as the split lanes read it), which must
      be whole rows ([R..., K], the lanes dividing K);
    - copies those rows into a `bufferization.alloc_tensor` in workgroup
      memory with a thread loop of (row threads..., lanes): lane l copies
      vectors l, l + L, ... of W elements, the lanes' coalesced layout;
    - replaces every read of the argument in the block (the same rows, or
      an error) by the copy, or by its expand_shape.

    Each element is then read from global memory once; the GPU mapping's
    barrier after the copy's thread loop orders it before the reads. The
    GPU pipeline runs it first, the CPU pipeline before bufferization (rung
    4 checks the staged kernel). Unmarked loops are left alone.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FormKernelsPass : Pass<"kgen-form-kernels", "::mlir::ModuleOp"> {
  let summary = "Group linalg ops into kernels and outline each into a function";
  let description = [{
    Groups the linalg operations of every function into kernels and outlines
    each kernel into a private `func.func` tagged `kgen.kernel`, called from
    where the group stood. A kernel has one *root* (a contraction or
    reduction, or else its last operation) with elementwise producers and
    consumers fused greedily where legal:

    * an elementwise producer (all-parallel linalg op, `linalg.fill`,
      `tensor.pad`) joins its consumer's kernel when its result has exactly
      that one use, except that only fills, broadcasts, transposes (into a
      reduction) and generics that only move elements in order (a
      convolution's im2col gather and weight broadcast, into a matmul,
      whose staging computes their tiles into workgroup memory: implicit
      GEMM) join a contraction or reduction (arithmetic would be recomputed
      per tile, padding materialized per thread);
    * an elementwise consumer whose kernel has no root joins the kernel of a
      root whose result it is the only user of;
    * a reduction that ends its kernel (or whose kernel ends with an
      elementwise epilogue over the reduction's own outputs, reading
      nothing else: a norm's sqrt and clamp) joins, as a *row statistic*,
      the kernel that all its users belong to when that kernel's root is a
      `linalg.generic` reduction over the same loops writing through the
      same map (softmax's row max joins the exp-sum and the normalization;
      a cosine similarity's two norms join its dot product: one kernel).
      The kernel's root is then its last reduction.

    Every value produced inside a kernel is then used only inside it except
    the result of its last operation (the *sink*), so outlining keeps all
    dependences and cannot create cycles. Inside each kernel the ops carry
    `kgen.op = <index>`, the root `kgen.root` and the sink `kgen.sink`, which
    schedules refer to. `tensor.empty` and scalar constants are cloned into
    the kernels that use them; reshapes stay between kernels.

    A different grouping (a fusion rewrite, e.g. proposed by an LLM) can be
    given per function in a JSON file: `{"main": [[0, 1], [2, 3, 4]]}`,
    groups of positions among the function's linalg/pad ops in program
    order. It is used only if legal: a partition of the ops, one root per
    kernel besides row statistics of it, and only each kernel's last op used outside it (which keeps
    every dependence and excludes cycles). An illegal grouping is rejected
    with a warning naming the problem, and the default grouping is used. So
    is a grouping for a function the module does not define (the warning
    names the function).

    A grouping proposer can be asked instead (`grouping-proposer=random`,
    `replay` or `llm`): it sees the function, its ops and the default
    grouping, and each round the verdicts of its earlier proposals; the first
    legal proposal is used (a remark says so), and if none is legal after
    `grouping-rounds` proposals the default grouping is used with a warning
    naming the last rejection. Every proposal is appended to the
    `grouping-trajectory` log.
  }];
  let options = [
    Option<"groupingFile", "grouping", "std::string", "\"\"",
           "JSON file with proposed kernel groupings per function">,
    Option<"groupingProposer", "grouping-proposer", "std::string",
           "\"greedy\"",
           "Who groups the ops: greedy (the default rules), random, replay "
           "or llm">,
    Option<"groupingRounds", "grouping-rounds", "unsigned", "3",
           "Proposals per function until one is legal">,
    Option<"groupingSeed", "grouping-seed", "uint64_t", "0",
           "Seed of the random grouping proposer">,
    Option<"groupingReplay", "grouping-replay", "std::string", "\"\"",
           "Transcript (JSONL) for the replay grouping proposer">,
    Option<"groupingTrajectory", "grouping-trajectory", "std::string",
           "\"\"", "JSONL log every grouping proposal is appended to">,
  ] # kgenLlmOptions;
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def ScheduleKernelsPass : Pass<"kgen-schedule-kernels", "::mlir::ModuleOp"> {
  let summary = "Propose, verify and apply a schedule for every kernel";
  let description = [{
    For each kernel from `kgen-form-kernels`, asks a proposer for schedules
    (docs/schedules.md), checks every candidate on the verification ladder
    (schema and ranges, resource model, transform application and IR
    verification on a clone, numerical comparison on the CPU against the
    unscheduled kernel) and applies the first accepted one. A recorded
    decision for the kernel's fingerprint and target is tried first. If no
    candidate passes, or the LLM is unreachable or misbehaves, the heuristic
    schedule is used and a warning says why: compilation never fails because
    of a proposer.
  }];
  let options = [
    Option<"proposer", "proposer", "std::string", "\"heuristic\"",
           "heuristic | llm | replay | random">,
    Option<"target", "target", "std::string", "\"sm_90a\"",
           "Target chip: sm_90a, sm_80, gfx942 or gfx90a">,
    Option<"candidates", "candidates", "unsigned", "1",
           "Candidates requested per round">,
    Option<"rounds", "rounds", "unsigned", "3",
           "Proposal rounds per kernel; each round sees the verdicts of the "
           "earlier ones">,
    Option<"exhaustive", "exhaustive", "bool", "false",
           "Verify every candidate of every round instead of stopping at "
           "the first accepted one (search and fuzzing)">,
    Option<"seed", "seed", "uint64_t", "0", "Seed of the random proposer">,
    Option<"replayFile", "replay", "std::string", "\"\"",
           "Transcript answered by the replay proposer (JSONL)">,
    Option<"decisionsFile", "decisions", "std::string", "\"\"",
           "Decisions file: read first, updated atomically with accepted "
           "schedules">,
    Option<"trajectoryFile", "trajectory", "std::string", "\"\"",
           "JSONL log receiving every proposal and its verdict">,
    Option<"checkSeeds", "check-seeds", "unsigned", "3",
           "Random input sets of the numerical check (0 disables it)">,
    Option<"printSchedules", "print-schedules", "bool", "false",
           "Emit a remark per kernel with its schedule and transform script">,
    Option<"report", "report", "bool", "false",
           "Emit a remark summarizing the verdicts of all candidates">,
    Option<"apply", "apply", "bool", "true",
           "Apply the chosen schedules (off: only choose and record)">,
  ] # kgenLlmOptions;
  let dependentDialects = [
    "::mlir::transform::TransformDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::gpu::GPUDialect",
  ];
}

def MapKernelsToGpuPass : Pass<"kgen-map-kernels-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Turn the scheduled, bufferized foralls of each kernel into GPU launches";
  let description = [{
    For every kernel function, each top-level `scf.forall` mapped to
    `#gpu.block` becomes a `gpu.launch` (grid from its trip counts) and its
    nested `#gpu.thread` forall is mapped to threads (block size from that
    forall's trip counts, innermost loop on x). Runs after bufferization.
    A kernel with code outside its foralls, or a forall with dynamic trip
    counts, is reported with a located error: it cannot run on the GPU.
    Per-thread tile buffers become stack allocations, in
    `private-address-space` when it is non-zero (5 on AMDGPU).
  }];
  let options = [
    Option<"privateAddressSpace", "private-address-space", "unsigned", "0",
           "Address space of per-thread buffers (0: default; AMDGPU needs 5)">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::transform::TransformDialect",
  ];
}

def PlaceHostBuffersOnDevicePass
    : Pass<"kgen-place-host-buffers-on-device", "::mlir::ModuleOp"> {
  let summary = "Put the buffers host code allocates in device memory";
  let description = [{
    Runs after `kgen-map-kernels-to-gpu`, when host code (every function's
    code outside its `gpu.launch`es) only allocates, copies and launches:
    the CPU never computes on a buffer. Allocations become `gpu.alloc`,
    frees `gpu.dealloc` and copies `gpu.memcpy` (each on its own stream,
    waited for at once, so host code stays synchronous like the launches);
    a `memref.get_global` read by a launch is staged into a device buffer;
    a buffer copied whole into an out-parameter used only there is replaced
    by that parameter; and what the host allocated is freed before its
    function returns unless it is returned. Callers pass device (or
    managed) pointers. A strided copy outside the kernels is reported with
    a located error: the GPU runtime copies contiguous buffers only.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def AlignKernelArgumentsPass : Pass<"kgen-align-kernel-arguments", "::mlir::ModuleOp"> {
  let summary = "Promise LLVM that the buffers of every GPU kernel are aligned";
  let description = [{
    Sets `llvm.align` on every memref argument of every `gpu.func` kernel
    (after `gpu-kernel-outlining`), so that the backend can merge the
    accesses of vectorized schedules into vector loads and stores. kgen's
    runtime upholds the promise: its device allocations are at least 256-byte
    aligned, and `kgenLaunch` refuses caller buffers aligned to less than 16
    bytes. Every workgroup (shared-memory) attribution of a kernel gets the
    same alignment, so each shared buffer starts aligned whatever precedes
    it.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "16",
           "Alignment in bytes (a power of two) of the kernels' buffers">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def LowerGpuMemorySpacesPass
    : Pass<"kgen-lower-gpu-memory-spaces", "::mlir::ModuleOp"> {
  let summary = "Replace GPU memory spaces of memrefs by a target's address spaces";
  let description = [{
    Rewrites every memref type in the module whose memory space is a
    `#gpu.address_space<...>` to the target's numeric address space, which
    the LLVM conversions understand. Schedules that promote operands keep
    them in `#gpu.address_space<workgroup>` buffers.

    - `host`: every buffer is host memory (the CPU runner and the numerical
      rung of the verification ladder run scheduled kernels on the CPU, with
      their foralls as sequential loops), so the memory spaces are dropped.
    - `nvvm`: workgroup 3, global 1, private 0 (NVVM's allocas).
    - `rocdl`: workgroup 3, global 1, private 5.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"host\"",
           "Whose address spaces: host, nvvm or rocdl">,
  ];
}

def LowerMatrixInstructionsPass
    : Pass<"kgen-lower-matrix-instructions", "::mlir::ModuleOp"> {
  let summary = "Warp tiles marked kgen.mma_sync to mma.sync, warpgroup tiles marked kgen.wgmma to wgmma";
  let description = [{
    A schedule with `matrix_instruction: mma_sync` tiles its matmul-like
    root over warps (an `scf.forall` mapped to `#gpu.warp`) and marks each
    warp's tile with `kgen.mma_sync`. After bufferization, this pass
    rewrites each marked op into `nvgpu.mma.sync` instructions of shape
    m16n8k16: every lane loads its fragments of the A, B and accumulator
    tiles (the PTX fragment layout, indexed through the op's indexing maps,
    so transposed and batched operands work too), the warp multiplies, and
    each lane stores its part of the result. A and B tiles in shared memory
    whose rows are contiguous along K (A) or N (B) and provably start
    16-byte aligned are read with `nvgpu.ldmatrix` (x4 for A, x2 transposed
    for B), one instruction per fragment; others with scalar loads.

    The op must be a contraction with one M, N and K loop (batch loops of
    size 1) of static sizes that are multiples of 16, 8 and 16, f16
    operands and an f32 accumulator, inside a warp-mapped forall.

    With `matrix_instruction: wgmma` (sm_90a) the root is tiled over
    warpgroups (`#gpu.warpgroup`, 128 threads) and each warpgroup's tile,
    marked `kgen.wgmma`, becomes m64nNk16 `nvvm.wgmma.mma_async`
    instructions (f16 or bf16 operands, f32 accumulators in registers
    between the accumulator buffer's load and store). wgmma reads A (K
    contiguous) and B (N contiguous) from shared memory through matrix
    descriptors, in the 128-byte swizzled layout: each staged tile gets a
    one-dimensional buffer holding 128-byte-wide column blocks whose rows'
    16-byte chunks are permuted by XOR with the row index mod 8, and every
    store into the tile is re-indexed to match. A tile that anything else
    reads, or a store that could split a 16-byte chunk, is an error. A
    proxy fence and a barrier ahead of the warpgroup loop make the threads'
    stores visible to wgmma (kgen-align-kernel-arguments aligns the
    buffers of a kernel using wgmma to 1024 bytes, as the swizzle needs).

    Any other marked op is an error: the mark is a promise the code
    generator must keep. On the CPU the mark is ignored and the op runs as
    loops, which is what the numerical rung of the verification ladder
    checks.

    - `nvvm`: rewrite marked ops.
    - `rocdl`: report marked ops as errors (mma.sync and wgmma are NVIDIA
      instructions).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"target", "target", "std::string", "\"nvvm\"",
           "The GPU target: nvvm or rocdl">,
  ];
}

def LowerLaneCombinesPass
    : Pass<"kgen-lower-lane-combines", "::mlir::ModuleOp"> {
  let summary = "Combinations of reduction lanes' partials to subgroup shuffles";
  let description = [{
    A schedule with `reduction_lanes: L` computes each output of its
    reduction root in two stages: L lanes (consecutive threads along x)
    each reduce a lane-interleaved share of the row into W partials
    (`vector_width`) in workgroup memory; then a thread loop with one
    thread per output combines the L * W partials, an op the expansion
    marks `kgen.lane_combine = L`. After bufferization this pass gives
    that loop its lanes back (the loop gains an innermost dimension of L
    on `#gpu.thread<x>`, its own dimensions moving up to y and z): lane l
    combines its own W partials (one vector load), the lanes of a subgroup
    combine with a butterfly of `gpu.shuffle xor` (`shfl.sync.bfly` on
    NVIDIA, `ds_bpermute` on AMD), and with more lanes than a subgroup the
    subgroups' results meet in workgroup memory after a `gpu.barrier`,
    every lane combining them in subgroup order. Lane 0 then folds the
    result into the output; the loop's other writes (the output's fill)
    also run on lane 0 only. f16 and bf16 partials are combined in f32.

    The marked op must be a linalg.generic on buffers whose body is one
    op combining the partial and the output, alone in a thread-mapped
    scf.forall of at most two dimensions, with L a power of two up to a
    subgroup or whole subgroups (800 lanes: 25 warps of 32, but not 64-wide
    waves, where the butterfly would pair one row's lanes with the next
    row's), at most a subgroup of subgroups; anything else is an error,
    reported before any op is rewritten. On the CPU the op runs as loops,
    its partials folded pairwise by `kgen-interleave-reductions`, which is
    what the verifier's numerical rung checks.

    - `subgroup-size`: 32 on NVIDIA, 64 on AMD's wave64 chips.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"subgroupSize", "subgroup-size", "int64_t", "32",
           "Lanes of a subgroup (warp or wave)">,
  ];
}

def VectorizeCopiesPass : Pass<"kgen-vectorize-copies", "::mlir::ModuleOp"> {
  let summary = "Copies inside scheduled loops to aligned 1-D vector loads and stores";
  let description = [{
    Staged schedules copy operand tiles into shared memory at every
    reduction step; after bufferization those copies are `memref.copy` (or
    `linalg.copy`) ops on views inside the kernel's `scf.forall` loops.
    Each one with a static shape, unit innermost strides and at most 512
    elements becomes 1-D `vector.load` / `vector.store` pairs of the widest
    power-of-two chunk of a row within 16 bytes. Every access carries the
    alignment its address arithmetic proves: the views' offsets and the
    indices are followed through `affine.apply`, `arith` and loop bounds and
    steps, and each buffer's base is taken to be `alignment`-aligned (kgen's
    runtime guarantees 16; `kgen-align-kernel-arguments` states the same
    promise to LLVM). Other copies, and copies outside the loops (host-side
    buffer moves), are left as they are.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "16",
           "Alignment in bytes (a power of two) of every buffer's base">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def PipelineSharedCopiesPass
    : Pass<"kgen-pipeline-shared-copies", "::mlir::ModuleOp"> {
  let summary = "Multi-buffer and software-pipeline the shared-memory copies of marked loops (cp.async)";
  let description = [{
    A schedule with `pipeline_depth` D > 1 marks its reduction loop with
    `kgen.pipeline_depth = D`. After `kgen-map-kernels-to-gpu`, for each
    marked `scf.for` inside a `gpu.launch`:

    - the vector copies from global into shared memory in the loop become
      `nvgpu.device_async_copy` (cp.async; 16-byte ones bypass L1);
    - each shared buffer they fill (a workgroup attribution used only in
      the loop) gets D copies, step i using copy i mod D;
    - the copies of the first D-1 steps are issued before the loop; step i
      issues the copies of step i+D-1, commits them as one group, waits
      until at most D-1 groups are pending (its own step's data has
      landed), synchronizes the block and computes. The barriers that only
      separated one step's copies from each other are removed; the one
      after the compute stays, so no copy overwrites a buffer still read.

    Copies that cannot be asynchronous (not 4, 8 or 16 bytes, or not
    aligned to their size) are issued D-1 steps ahead all the same, as
    ordinary loads and stores. Everything is checked before anything
    changes: a loop whose copies cannot move ahead (they share a step with
    other side effects, read a buffer the loop writes, or take addresses
    from memory) keeps its synchronous copies, with a warning, since the
    verification ladder's rungs do not run this pass. A marked loop outside
    a launch or with loop-carried values is an error (the pass ran out of
    order). The mark is removed either way; D = 1 changes nothing.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def HoistAccumulatorsPass
    : Pass<"kgen-hoist-accumulators", "::mlir::ModuleOp"> {
  let summary = "Keep each thread's accumulators in registers across a reduction loop";
  let description = [{
    A staged gemm's reduction loop runs around its thread (warp, warpgroup)
    loops, so every step loads each thread's accumulators from shared
    memory and stores them back. After `kgen-map-kernels-to-gpu`, for each
    `scf.for` directly in a `gpu.launch` body (after loop-invariant code
    motion and CSE of its index arithmetic): when everything in the loop
    that uses a buffer of the launch (or a view of it) is a `memref` or
    `vector` load or store (or an in-bounds, unmasked 1-D
    `vector.transfer_read`/`transfer_write`, as a staged fp32 gemm's
    vectorized thread tile makes) at the top of the loop body, at loop-invariant
    indices, each place loaded once before the store of that place, the
    places become values the loop carries: loaded before the loop, stored
    after it, followed by a barrier (other threads read the accumulator
    next). Loops and buffers that do not fit the pattern are left as they
    are; the pass never fails.

    The places are each thread's own: two threads loading and storing one
    place in the same step without a barrier between would already race.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def ForwardAccumulatorFillsPass
    : Pass<"kgen-forward-accumulator-fills", "::mlir::ModuleOp"> {
  let summary = "Start hoisted accumulators from their fill's constant, not from shared memory";
  let description = [{
    After `kgen-hoist-accumulators`, a staged gemm's accumulator tile in
    workgroup memory is filled (zeros) by every thread, loaded into
    registers ahead of the reduction loop, and stored back after it for
    the epilogue. For each `gpu.launch` with one top-level `scf.for` and
    each workgroup buffer whose top-level uses before the loop are stores
    of one scalar constant (or its splat) followed by loads, all unmasked
    and in bounds: the loads become that constant, and the fill stores are
    removed, when each thread stores as many elements after the loop, before
    any load there, as it filled (both are per-thread fragments of the
    root's output tile, which the fill covers and GPU mapping's full tiles
    make the accumulators cover). The tile is then unused until the loop
    ends, and `kgen-use-dynamic-shared-memory` may place it over the
    operands' staging buffers. Buffers used any other way are left alone.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
  ];
}

def UseDynamicSharedMemoryPass
    : Pass<"kgen-use-dynamic-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Place a launch's shared buffers in dynamic shared memory when they pass the static limit";
  let description = [{
    Workgroup attributions become static `.shared` arrays, which CUDA caps
    at 48 KB per block; the rest of what a block may use (227 KB on an
    H100, 163 KB on an A100) is dynamic shared memory, sized at launch.
    For each `gpu.launch` whose workgroup attributions need more than
    `static-limit` bytes (each aligned to `alignment`, or to a 1024-byte
    swizzle atom when the launch uses wgmma), the attributions are replaced
    by `memref.view`s of `gpu.dynamic_shared_memory` at those offsets and
    the launch's `dynamic_shared_memory_size` is set to the total.
    Dynamic shared memory is only promised 16-byte aligned: a larger
    alignment is reached at run time (the views start at the first aligned
    byte) and the size includes the slack. kgen's runtime raises each
    kernel's dynamic shared-memory limit to the size it is launched with.
    Launches within the limit keep static buffers.

    Buffers used at different times share bytes: each buffer's lifetime is
    the span of top-level ops of the launch body that use it (or anything
    derived from it: views, addresses, values yielded out of regions; not
    the values read from it), and each is placed at the lowest offset that no
    buffer living at the same time occupies (a staged gemm's accumulator
    tile, first used after the reduction loop once
    `kgen-forward-accumulator-fills` has run, over the operands' staging
    buffers). Before the first use of a buffer placed on bytes an earlier
    one used, the threads wait for their asynchronous copies
    (`nvvm.cp.async.wait.group 0`) and meet at a `gpu.barrier`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
  let options = [
    Option<"staticLimit", "static-limit", "int64_t", "49152",
           "Bytes of static shared memory a launch may use">,
    Option<"bufferAlignment", "alignment", "int64_t", "16",
           "Alignment of each buffer (kgen-align-kernel-arguments')">,
  ];
}

def ElideBarriersPass : Pass<"kgen-elide-barriers", "::mlir::ModuleOp"> {
  let summary = "Drop the barriers after thread loops that need no ordering";
  let description = [{
    `kgen-map-kernels-to-gpu` puts a `gpu.barrier` after every thread loop
    of a `gpu.launch`, which a loop writing workgroup memory that a later
    loop reads needs. This pass erases a barrier when the accesses reaching
    it since the previous barrier (for the only barrier of an `scf.for`
    body: the whole body, whose next step reaches it too, and the ops before
    the loop since a barrier) cannot race with any access of the launch
    after it:

    - they write no workgroup memory;
    - every global buffer they write is read and written by no other op of
      the launch (a kernel output);
    - no op after the barrier writes a buffer they read, where "after"
      includes every op of a loop around the barrier (the next step's copy
      that overwrites a staged tile this step read).

    Thread-private buffers (`memref.alloca`) do not count. An op whose
    effects are unknown keeps every barrier of its launch. The barrier of a
    normalization's interleaved last pass, which only writes the output, is
    the one this removes: it stalled the block once per step.
  }];
}

def PadSharedBuffersPass : Pass<"kgen-pad-shared-buffers", "::mlir::ModuleOp"> {
  let summary = "Pad the rows of shared-memory buffers so that column reads do not conflict in banks";
  let description = [{
    Every statically shaped `memref.alloc` in `#gpu.address_space<workgroup>`
    of rank 2 or more whose rows are a multiple of 64 bytes (e.g. a 64-wide
    f16 tile, or a 32-wide f32 one) is allocated with 16 more bytes per
    row, and used through a `memref.subview` of its original shape: rows
    then start 4 banks apart, so the warps that read such a tile down its
    columns (tensor-core fragments, 8 rows at a time) no longer serialize
    on one bank, and every 16-byte access stays aligned. The subviews taken
    of the buffer are rebuilt with the strided layout; a buffer with a user
    that needs its exact type is left as it is. The scheduler's
    shared-memory model (rung 2) counts the padded size.
  }];
}

#endif // KGEN_CONVERSION_PASSES_TD
