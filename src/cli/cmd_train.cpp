// `zklora train`: fine-tunes a LoRA adapter (model/trainer.h).
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "zklora/model/trainer.h"

namespace zklora::cli {

void add_train_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  CLI::App* cmd = app.add_subcommand("train", "Fine-tune a LoRA adapter on a data set");
  auto opt = std::make_shared<TrainOptions>();
  auto targets = std::make_shared<std::string>("q,v");
  auto optimizer = std::make_shared<std::string>("adamw");
  auto no_prove = std::make_shared<bool>(false);
  auto init_adapter = std::make_shared<std::string>();
  auto dump_grads = std::make_shared<std::string>();
  cmd->add_option("--model", opt->model_dir, "Hugging Face LLaMA checkpoint directory")->required();
  cmd->add_option("--data", opt->data_file, "Training data: text (one example per line) or .jsonl of token ids")->required();
  cmd->add_option("--out", opt->out_dir, "Run directory (adapter, report)")->required();
  cmd->add_option("--steps", opt->steps, "Training steps")->capture_default_str();
  cmd->add_option("--batch", opt->batch, "Sequences per step")->capture_default_str();
  cmd->add_option("--seq", opt->seq, "Tokens per sequence (longer ones are truncated, shorter padded)")->capture_default_str();
  cmd->add_option("--lr", opt->optimizer.lr, "Learning rate")->capture_default_str();
  cmd->add_option("--optimizer", *optimizer, "sgd or adamw")->capture_default_str();
  cmd->add_option("--momentum", opt->optimizer.momentum, "SGD momentum")->capture_default_str();
  cmd->add_option("--weight-decay", opt->optimizer.weight_decay, "AdamW decoupled weight decay")->capture_default_str();
  cmd->add_option("--clip-norm", opt->optimizer.clip_norm, "Clip the global gradient norm (0: off)")->capture_default_str();
  cmd->add_option("--lora-rank", opt->lora.rank, "LoRA rank r")->capture_default_str();
  cmd->add_option("--lora-alpha", opt->lora.alpha, "LoRA alpha (scale alpha / r)")->capture_default_str();
  cmd->add_option("--targets", *targets, "Adapted projections: any of q,k,v,o,gate,up,down")->capture_default_str();
  cmd->add_option("--init-adapter", *init_adapter, "Start from this PEFT adapter directory");
  cmd->add_option("--seed", opt->seed, "Seed of the adapter initialization and the batch order")->capture_default_str();
  cmd->add_flag("--no-prove", *no_prove, "Only train (no proofs)");
  cmd->add_option("--dump-grads", *dump_grads, "Write the step-1 gradients of the mean loss to this JSON file");
  cmd->add_flag("--overwrite", opt->overwrite, "Replace existing output files");

  commands.push_back({cmd, [opt, targets, optimizer, no_prove, init_adapter, dump_grads, &global] {
                        if (!*no_prove) {
                          throw ZkError(ErrorCode::INVALID_ARGUMENT,
                                        "proving training steps is not available in this build yet; pass --no-prove");
                        }
                        opt->optimizer.kind = parse_optimizer(*optimizer).value();
                        opt->lora.targets.clear();
                        std::stringstream ss(*targets);
                        for (std::string item; std::getline(ss, item, ',');) {
                          opt->lora.targets.push_back(parse_projection(item).value());
                        }
                        std::sort(opt->lora.targets.begin(), opt->lora.targets.end());
                        opt->lora.targets.erase(std::unique(opt->lora.targets.begin(), opt->lora.targets.end()),
                                                opt->lora.targets.end());
                        if (!init_adapter->empty()) opt->init_adapter = *init_adapter;
                        if (!dump_grads->empty()) opt->dump_grads = *dump_grads;
                        opt->quiet = global.quiet;
                        const TrainSummary summary = train(*opt).value();
                        if (!global.quiet && !summary.losses.empty()) {
                          std::cerr << "loss " << summary.losses.front() << " -> " << summary.losses.back() << "\n";
                        }
                        return 0;
                      }});
}

}  // namespace zklora::cli
