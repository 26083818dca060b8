// Entry point of the `zklora` program; everything lives in the cli library (zklora/cli/cli.h).
#include "zklora/cli/cli.h"

int main(int argc, char** argv) { return zklora::run_cli(argc, argv); }
