//===- CpuRunner.cpp - JIT-compile and run a kgen function on the CPU -----===//

#include "kgen/Execution/CpuRunner.h"

#include "kgen/Execution/FunctionImage.h"
#include "kgen/Execution/NativeCode.h"
#include "kgen/Pipelines/Pipelines.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <unistd.h>

using namespace mlir;
using namespace mlir::kgen;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string TensorSignature::typeString() const {
  HostTensor probe;
  probe.elementType = elementType;
  probe.shape = shape;
  return probe.typeString();
}

static std::string str(Type type) {
  std::string s;
  llvm::raw_string_ostream(s) << type;
  return s;
}

static llvm::Expected<TensorSignature> signatureOf(Type type,
                                                   const llvm::Twine &what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return makeError(what + " has type " + llvm::Twine(str(type)) +
                     "; kgen can only pass statically shaped tensors");
  TensorSignature sig;
  Type element = tensor.getElementType();
  if (element.isF32())
    sig.elementType = ElementType::F32;
  else if (element.isF16())
    sig.elementType = ElementType::F16;
  else if (element.isBF16())
    sig.elementType = ElementType::BF16;
  else if (element.isInteger(64))
    sig.elementType = ElementType::I64;
  else if (element.isInteger(8))
    sig.elementType = ElementType::I8;
  else
    return makeError(what + " has element type " + llvm::Twine(str(element)) +
                     "; expected f32, f16, bf16, i64 or i8");
  sig.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  return sig;
}

std::vector<HostTensor>
mlir::kgen::randomTensors(llvm::ArrayRef<TensorSignature> signatures,
                          std::mt19937 &generator) {
  int64_t largest = 0;
  for (const TensorSignature &sig : signatures)
    for (int64_t size : sig.shape)
      largest = std::max(largest, size);
  std::vector<HostTensor> tensors;
  for (const TensorSignature &sig : signatures) {
    tensors.emplace_back(sig.elementType, sig.shape);
    fillRandom(tensors.back(), generator, largest);
  }
  return tensors;
}

/// The bytes of the machine's physical memory (0 if unknown).
static uint64_t physicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && pageSize > 0 ? static_cast<uint64_t>(pages) * pageSize
                                   : 0;
}

llvm::Error mlir::kgen::detail::checkHostMemory(
    llvm::ArrayRef<TensorSignature> inputs,
    llvm::ArrayRef<TensorSignature> outputs) {
  uint64_t total = 0;
  for (const TensorSignature &sig : llvm::concat<const TensorSignature>(
           inputs, outputs)) {
    std::optional<uint64_t> bytes = tensorBytes(sig.elementType, sig.shape);
    bool overflowed = false;
    if (bytes)
      total = llvm::SaturatingAdd(total, *bytes, &overflowed);
    if (!bytes || overflowed)
      return makeError(sig.typeString() +
                       " has more bytes than a 64-bit size can count");
  }
  uint64_t memory = physicalMemoryBytes();
  if (memory && total > memory)
    return makeError(llvm::formatv("the function's inputs and outputs take "
                                   "{0:F1} GiB, more than this machine's "
                                   "{1:F1} GiB of memory",
                                   total / double(1ull << 30),
                                   memory / double(1ull << 30))
                         .str());
  return llvm::Error::success();
}

/// Each result becomes its own caller-provided output buffer, so a value
/// returned twice must be materialized twice (the out-parameter conversion
/// cannot alias one buffer into two outputs).
void mlir::kgen::detail::giveEachResultItsOwnTensor(func::FuncOp func) {
  func.walk([](func::ReturnOp ret) {
    OpBuilder b(ret);
    llvm::SmallPtrSet<Value, 4> seen;
    for (OpOperand &operand : ret->getOpOperands()) {
      Value v = operand.get();
      if (seen.insert(v).second)
        continue;
      auto type = cast<RankedTensorType>(v.getType());
      Value init = tensor::EmptyOp::create(b, ret.getLoc(), type.getShape(),
                                           type.getElementType());
      operand.set(linalg::CopyOp::create(b, ret.getLoc(), ValueRange{v},
                                         ValueRange{init})
                      .getResult(0));
    }
  });
}

/// Inputs are the caller's: a result computed in place of an argument (a
/// matmul accumulating into its init argument) must get its own buffer,
/// or running the function twice on the same inputs gives two answers.
void mlir::kgen::detail::keepArgumentsReadOnly(func::FuncOp func) {
  auto readOnly = BoolAttr::get(func.getContext(), false);
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
    if (isa<TensorType>(type))
      func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                      readOnly);
}

namespace {
/// A strided memref descriptor of any rank laid out as the C interface
/// expects: {allocated, aligned, offset, sizes[rank], strides[rank]}.
struct Descriptor {
  std::vector<int64_t> words;
  explicit Descriptor(void *data, llvm::ArrayRef<int64_t> shape) {
    words.push_back(reinterpret_cast<int64_t>(data));
    words.push_back(reinterpret_cast<int64_t>(data));
    words.push_back(0);
    words.insert(words.end(), shape.begin(), shape.end());
    std::vector<int64_t> strides(shape.size(), 1);
    for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
      strides[i] = strides[i + 1] * shape[i + 1];
    words.insert(words.end(), strides.begin(), strides.end());
  }
};
} // namespace

llvm::Error
mlir::kgen::detail::readSignatures(func::FuncOp func,
                                   std::vector<TensorSignature> &inputs,
                                   std::vector<TensorSignature> &outputs) {
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto sig = signatureOf(type, "argument #" + llvm::Twine(i));
    if (!sig)
      return sig.takeError();
    inputs.push_back(*sig);
  }
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    auto sig = signatureOf(type, "result #" + llvm::Twine(i));
    if (!sig)
      return sig.takeError();
    outputs.push_back(*sig);
  }
  return checkHostMemory(inputs, outputs);
}

void mlir::kgen::detail::invokeWithBuffers(
    NativeCode &code,
    llvm::ArrayRef<std::pair<void *, llvm::ArrayRef<int64_t>>> buffers) {
  // The C interface takes one pointer to a descriptor per memref argument;
  // invokePacked wants a pointer to each of those pointers.
  std::vector<Descriptor> descriptors;
  descriptors.reserve(buffers.size());
  for (auto [data, shape] : buffers)
    descriptors.emplace_back(data, shape);
  std::vector<void *> pointers;
  for (Descriptor &d : descriptors)
    pointers.push_back(d.words.data());
  std::vector<void *> args;
  for (void *&p : pointers)
    args.push_back(&p);
  code.invokePacked(args);
}

llvm::Expected<func::FuncOp>
mlir::kgen::detail::prepareFunction(ModuleOp module,
                                    llvm::StringRef functionName) {
  auto func = module.lookupSymbol<func::FuncOp>(functionName);
  if (!func || func.isExternal()) {
    std::string available;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal())
        available += (available.empty() ? "" : ", ") + f.getName().str();
    return makeError("function '" + functionName + "' not found in the module" +
                     (available.empty() ? llvm::Twine("")
                                        : " (available: " + available + ")"));
  }
  // The pipelines need the bufferization and to-LLVM interface models of
  // every dialect they meet, and the LLVM IR translations (GPU offloading
  // included); the caller's context need not have them.
  MLIRContext *ctx = module.getContext();
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  ctx->appendDialectRegistry(registry);
  ctx->loadDialect<linalg::LinalgDialect, tensor::TensorDialect,
                   LLVM::LLVMDialect>();
  return func;
}

llvm::Expected<std::string>
mlir::kgen::detail::lowerToObject(
    ModuleOp module, llvm::StringRef functionName,
    llvm::function_ref<void(OpPassManager &)> buildPipeline,
    llvm::StringRef what) {
  MLIRContext *ctx = module.getContext();
  OwningOpRef<ModuleOp> clone(module.clone());
  auto entry = clone->lookupSymbol<func::FuncOp>(functionName);
  entry->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                 UnitAttr::get(ctx));
  giveEachResultItsOwnTensor(entry);
  keepArgumentsReadOnly(entry);

  std::string diagnostics;
  {
    llvm::raw_string_ostream os(diagnostics);
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error)
        return success();
      os << diag.getLocation() << ": " << diag << "\n";
      // The pass manager's "see current operation" note dumps the whole
      // module; the other notes are the diagnostic's own.
      for (Diagnostic &note : diag.getNotes())
        if (!llvm::StringRef(note.str()).starts_with("see current operation"))
          os << note.getLocation() << ": note: " << note << "\n";
      return success();
    });
    PassManager pm(ctx);
    buildPipeline(pm);
    if (failed(pm.run(*clone)))
      return makeError(what + " failed:\n" + diagnostics);
  }

  auto object = compileObject(*clone, entryPointOf(functionName));
  if (!object)
    return makeError("compiling the host code failed: " +
                     llvm::toString(object.takeError()));
  return object;
}

std::string mlir::kgen::detail::entryPointOf(llvm::StringRef functionName) {
  return ("_mlir_ciface_" + functionName).str();
}

CpuFunction::~CpuFunction() = default;

llvm::Expected<std::unique_ptr<CpuFunction>>
CpuFunction::compile(ModuleOp module, llvm::StringRef functionName) {
  auto func = detail::prepareFunction(module, functionName);
  if (!func)
    return func.takeError();

  std::unique_ptr<CpuFunction> result(new CpuFunction());
  if (llvm::Error err =
          detail::readSignatures(*func, result->inputSigs, result->outputSigs))
    return std::move(err);
  auto object = detail::lowerToObject(
      module, functionName, buildCpuLoweringPipeline, "lowering for the CPU");
  if (!object)
    return object.takeError();
  if (llvm::Error err =
          result->loadObject(std::move(*object),
                             detail::entryPointOf(functionName)))
    return std::move(err);
  return result;
}

llvm::Error CpuFunction::loadObject(std::string object,
                                    llvm::StringRef entry) {
  // Strided copies (e.g. into the interior of a padded buffer) lower to a
  // call to MLIR's runtime helper; resolve it to the linked-in definition.
  RuntimeSymbol memrefCopySymbol{"memrefCopy",
                                 reinterpret_cast<void *>(&memrefCopy)};
  auto loaded = NativeCode::load(std::move(object), entry, memrefCopySymbol);
  if (!loaded)
    return loaded.takeError();
  code = std::move(*loaded);
  return llvm::Error::success();
}

std::string CpuFunction::serialize() const {
  return serializeImage(
      {"cpu", code->entry().str(), inputSigs, outputSigs, 0, 0, code->object().str()});
}

llvm::Expected<std::unique_ptr<CpuFunction>>
CpuFunction::load(llvm::StringRef image) {
  auto parsed = deserializeImage(image, "cpu");
  if (!parsed)
    return parsed.takeError();
  std::unique_ptr<CpuFunction> result(new CpuFunction());
  result->inputSigs = parsed->inputs;
  result->outputSigs = parsed->outputs;
  if (llvm::Error err = result->loadObject(std::move(parsed->object),
                                          parsed->entryPoint))
    return std::move(err);
  return result;
}

llvm::Expected<std::vector<HostTensor>>
CpuFunction::run(llvm::ArrayRef<HostTensor> inputs) const {
  if (inputs.size() != inputSigs.size())
    return makeError("expected " + llvm::Twine(inputSigs.size()) +
                     " inputs, got " + llvm::Twine(inputs.size()));
  for (auto [i, pair] : llvm::enumerate(llvm::zip(inputs, inputSigs))) {
    auto &[tensor, sig] = pair;
    if (tensor.elementType != sig.elementType || tensor.shape != sig.shape)
      return makeError("input #" + llvm::Twine(i) + " is " +
                       tensor.typeString() + " but the function expects " +
                       sig.typeString());
  }
  std::vector<HostTensor> outputs;
  for (const TensorSignature &sig : outputSigs) {
    outputs.emplace_back(sig.elementType, sig.shape);
    outputs.back().poison();
  }

  std::vector<void *> buffers;
  for (const HostTensor &t : inputs)
    buffers.push_back(const_cast<uint8_t *>(t.bytes.data()));
  for (HostTensor &t : outputs)
    buffers.push_back(t.bytes.data());
  if (llvm::Error err = runOnBuffers(buffers))
    return std::move(err);
  return outputs;
}

llvm::Error CpuFunction::runOnBuffers(llvm::ArrayRef<void *> buffers) const {
  size_t expected = inputSigs.size() + outputSigs.size();
  if (buffers.size() != expected)
    return makeError("expected " + llvm::Twine(expected) +
                     " buffers (inputs then outputs), got " +
                     llvm::Twine(buffers.size()));
  std::vector<std::pair<void *, llvm::ArrayRef<int64_t>>> shaped;
  for (auto [i, sig] : llvm::enumerate(
           llvm::concat<const TensorSignature>(inputSigs, outputSigs))) {
    if (!buffers[i] && !sig.isEmpty())
      return makeError("buffer " + llvm::Twine(i) + " is null");
    shaped.push_back({buffers[i], sig.shape});
  }
  detail::invokeWithBuffers(*code, shaped);
  return llvm::Error::success();
}
