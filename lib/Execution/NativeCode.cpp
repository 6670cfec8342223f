//===- NativeCode.cpp - host machine code: compile once, load anywhere ----===//

#include "kgen/Execution/NativeCode.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/xxhash.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::kgen;

// Functions every object compileObject makes holds: the module's global
// constructors and destructors, called explicitly (an ORC JIT without a
// platform runtime does not run an object's .init_array).
static constexpr llvm::StringLiteral kConstructors = "__kgen_constructors";
static constexpr llvm::StringLiteral kDestructors = "__kgen_destructors";

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Error text that no longer refers to the JIT's strings (which die with
/// it), as MLIR's ExecutionEngine::lookup does.
static std::string errorText(llvm::Error error) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::handleAllErrors(std::move(error),
                        [&](llvm::ErrorInfoBase &info) { info.log(os); });
  return text;
}

/// Registers the host's target with LLVM, once per process: compiling and
/// loading both need it, and a process may load without compiling.
static void initializeNativeTarget() {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
}

std::string mlir::kgen::hostIdentity() {
  // The host does not change while the process runs; images are stamped
  // and checked with it on every serialize and load.
  static const std::string identity = [] {
    std::vector<std::string> features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      if (feature.getValue())
        features.push_back(feature.getKey().str());
    llvm::sort(features);
    return llvm::sys::getProcessTriple() + " " +
           llvm::sys::getHostCPUName().str() + " " +
           llvm::utohexstr(llvm::xxh3_64bits(llvm::join(features, ",")));
  }();
  return identity;
}

/// Defines `_mlir_<entry>(void **args)`, which loads each argument from
/// `args[i]` and calls `entry`: one signature for every entry point.
static llvm::Error addPackedEntry(llvm::Module &module, llvm::StringRef entry) {
  llvm::Function *function = module.getFunction(entry);
  if (!function || function->isDeclaration())
    return makeError("the lowered module has no function '" + entry + "'");
  if (!function->getReturnType()->isVoidTy())
    return makeError("'" + entry + "' returns a value; kgen's entry points "
                     "write their results through out-parameters");
  llvm::IRBuilder<> builder(module.getContext());
  auto *type = llvm::FunctionType::get(builder.getVoidTy(), builder.getPtrTy(),
                                       /*isVarArg=*/false);
  auto *packed = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                        "_mlir_" + entry, module);
  builder.SetInsertPoint(
      llvm::BasicBlock::Create(module.getContext(), "entry", packed));
  llvm::SmallVector<llvm::Value *> args;
  for (llvm::Argument &arg : function->args()) {
    llvm::Value *slot = builder.CreateConstGEP1_64(
        builder.getPtrTy(), packed->getArg(0), arg.getArgNo());
    llvm::Value *pointer = builder.CreateLoad(builder.getPtrTy(), slot);
    args.push_back(builder.CreateLoad(arg.getType(), pointer));
  }
  builder.CreateCall(function, args);
  builder.CreateRetVoid();
  return llvm::Error::success();
}

/// Replaces `llvm.global_ctors` (or `_dtors`) by an external function that
/// calls its entries: constructors in ascending priority, destructors in
/// descending priority, as a loader would.
static void makeExplicit(llvm::Module &module, bool destructors) {
  llvm::StringRef arrayName =
      destructors ? "llvm.global_dtors" : "llvm.global_ctors";
  std::vector<std::pair<unsigned, llvm::Function *>> entries;
  for (const auto &element : destructors ? llvm::orc::getDestructors(module)
                                         : llvm::orc::getConstructors(module))
    if (element.Func)
      entries.push_back({element.Priority, element.Func});
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const auto &a, const auto &b) {
                     return destructors ? a.first > b.first : a.first < b.first;
                   });
  if (llvm::GlobalVariable *array = module.getGlobalVariable(arrayName))
    array->eraseFromParent();

  llvm::IRBuilder<> builder(module.getContext());
  auto *type = llvm::FunctionType::get(builder.getVoidTy(), false);
  auto *function = llvm::Function::Create(
      type, llvm::Function::ExternalLinkage,
      destructors ? kDestructors : kConstructors, module);
  builder.SetInsertPoint(
      llvm::BasicBlock::Create(module.getContext(), "entry", function));
  for (auto &[priority, callee] : entries)
    builder.CreateCall(callee->getFunctionType(), callee);
  builder.CreateRetVoid();
}

llvm::Expected<std::string> mlir::kgen::compileObject(ModuleOp module,
                                                      llvm::StringRef entry) {
  initializeNativeTarget();
  auto machineBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machineBuilder)
    return makeError("no target for this host: " +
                     errorText(machineBuilder.takeError()));
  auto machine = machineBuilder->createTargetMachine();
  if (!machine)
    return makeError("no target machine for this host: " +
                     errorText(machine.takeError()));

  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule)
    return makeError("could not translate the lowered module to LLVM IR");
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  if (llvm::Error err = addPackedEntry(*llvmModule, entry))
    return std::move(err);
  makeExplicit(*llvmModule, /*destructors=*/false);
  makeExplicit(*llvmModule, /*destructors=*/true);

  auto optimize = makeOptimizingTransformer(
      /*optLevel=*/2, /*sizeLevel=*/0, /*targetMachine=*/nullptr);
  if (llvm::Error err = optimize(llvmModule.get()))
    return makeError("LLVM optimization failed: " + errorText(std::move(err)));
  llvm::orc::SimpleCompiler compiler(**machine);
  auto object = compiler(*llvmModule);
  if (!object)
    return makeError("code generation failed: " +
                     errorText(object.takeError()));
  return (*object)->getBuffer().str();
}

NativeCode::~NativeCode() {
  if (ranConstructors && destructors)
    destructors();
}

/// The address of `name` in `jit`, as a function pointer of type `T`.
template <typename T>
static llvm::Expected<T> lookupFunction(llvm::orc::LLJIT &jit,
                                        llvm::StringRef name) {
  auto address = jit.lookup(name);
  if (!address)
    return makeError("'" + name + "': " + errorText(address.takeError()));
  return address->toPtr<T>();
}

static std::unique_ptr<llvm::orc::ObjectLayer>
createObjectLayer(llvm::orc::ExecutionSession &session) {
  return std::make_unique<llvm::orc::RTDyldObjectLinkingLayer>(
      session, [](const llvm::MemoryBuffer &) {
        return std::make_unique<llvm::SectionMemoryManager>();
      });
}

llvm::Expected<std::unique_ptr<NativeCode>>
NativeCode::load(std::string object, llvm::StringRef entry,
                 llvm::ArrayRef<RuntimeSymbol> runtimeSymbols) {
  initializeNativeTarget();
  // The code keeps the object's only copy, which the JIT reads in place:
  // declared before the JIT, it outlives it on every path.
  std::unique_ptr<NativeCode> code(new NativeCode());
  code->objectBytes = std::move(object);
  code->entryName = entry.str();
  auto jit = llvm::orc::LLJITBuilder()
                 .setObjectLinkingLayerCreator(createObjectLayer)
                 .create();
  if (!jit)
    return makeError("cannot create a JIT: " + errorText(jit.takeError()));
  llvm::orc::JITDylib &main = (*jit)->getMainJITDylib();
  const llvm::DataLayout &layout = (*jit)->getDataLayout();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      layout.getGlobalPrefix());
  if (!process)
    return makeError("cannot search this process's symbols: " +
                     errorText(process.takeError()));
  main.addGenerator(std::move(*process));
  llvm::orc::MangleAndInterner mangle((*jit)->getExecutionSession(), layout);
  llvm::orc::SymbolMap symbols;
  for (const RuntimeSymbol &symbol : runtimeSymbols)
    symbols[mangle(symbol.name)] = {
        llvm::orc::ExecutorAddr::fromPtr(symbol.address),
        llvm::JITSymbolFlags::Exported};
  if (llvm::Error err = main.define(llvm::orc::absoluteSymbols(symbols)))
    return makeError("cannot define the runtime's symbols: " +
                     errorText(std::move(err)));
  if (llvm::Error err = (*jit)->addObjectFile(
          llvm::MemoryBuffer::getMemBuffer(code->objectBytes, "kgen-object",
                                           /*RequiresNullTerminator=*/false)))
    return makeError("not an object file: " + errorText(std::move(err)));

  auto packed =
      lookupFunction<void (*)(void **)>(**jit, ("_mlir_" + entry).str());
  if (!packed)
    return makeError("cannot link the object: " +
                     errorText(packed.takeError()));
  for (auto [name, slot] : {std::pair{kConstructors, &code->constructors},
                            std::pair{kDestructors, &code->destructors}}) {
    auto function = lookupFunction<void (*)()>(**jit, name);
    if (!function) {
      llvm::consumeError(function.takeError());
      return makeError("the object was not compiled by kgen (it has no " +
                       name + ")");
    }
    *slot = *function;
  }
  code->jit = std::move(*jit);
  code->packedEntry = *packed;
  return code;
}

void NativeCode::invokePacked(llvm::MutableArrayRef<void *> args) {
  std::call_once(constructed, [&] {
    constructors();
    ranConstructors = true;
  });
  packedEntry(args.data());
}
