// An mlir-opt-like tool of another project: upstream func dialect, plus kgen
// added with its single registration call.
#include "kgen/Registration/Registration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect>();
  mlir::kgen::registerAllKgen(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "external tool embedding kgen\n", registry));
}
