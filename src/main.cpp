// Entry point of the `zklora` program; everything lives in the cli library (zklora/cli/cli.h).
#include "zklora/base/memory.h"
#include "zklora/cli/cli.h"

int main(int argc, char** argv) {
  zklora::retain_freed_memory();
  return zklora::run_cli(argc, argv);
}
