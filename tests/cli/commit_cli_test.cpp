// `zklora commit`: the public commitment file and the prover's file beside the model, reused while the model is
// unchanged, remade when it changes; the files read back and belong together; a file with a bad magic or cut short
// is refused with a clear error; a file that is not a commitment is never overwritten; a commitment without its
// weight check is accepted by a verifier only when trusted explicitly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "zklora/cli/cli.h"
#include "zklora/fixed/format.h"
#include "zklora/io/commitment_files.h"
#include "zklora/model/init_model.h"
#include "zklora/step/weight_check.h"

namespace zklora {
namespace {

using test::run_zklora;

TEST(CliCommit, WritesReusesAndValidates) {
  test::TempDir dir;
  const std::string model = (dir / "tiny").string();
  ASSERT_EQ(run_zklora({"init-model", "--shape", "tiny", "--seed", "3", "--out", model, "--quiet"}), 0);
  std::string err;
  ASSERT_EQ(run_zklora({"commit", "--model", model}, &err), 0) << err;
  const auto file = dir / "tiny" / kWeightCommitmentFile;
  auto c = read_weight_commitment(file);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->format_version, kFixedFormatVersion);
  EXPECT_EQ(c->content_hash.size(), 64u);
  // The prover's blinds are in a file of their own, tied to the public one.
  EXPECT_TRUE(std::filesystem::exists(dir / "tiny" / "zklora-commitment.prover.bin"));
  auto with_blinds = read_weight_prover_commitments(file);
  ASSERT_TRUE(with_blinds.ok()) << with_blinds.error().to_string();
  EXPECT_EQ(with_blinds->size(), c->tensors.size());
  EXPECT_TRUE(with_blinds->at("embed").commitment == c->tensors.at("embed"));
  EXPECT_EQ(with_blinds->at("embed").data.row_blinds.size(), c->tensors.at("embed").rows().size());
  EXPECT_EQ(c->tensors.size(), 3u + 4u * 9u);
  EXPECT_TRUE(c->tensors.count("layers.3.down_proj"));
  // The proof that the weights are committed well formed, checked against the file's public part.
  ASSERT_FALSE(c->weight_check.empty());
  const ModelConfig config = tiny_model_config();
  ASSERT_EQ(model_config_json(config), c->config_json);
  const Status wc = verify_weight_check(config, c->tensors, c->weight_check);
  EXPECT_TRUE(wc.ok()) << wc.error().to_string();
  const auto checked = WeightCommitment::checked(config, *c);
  ASSERT_TRUE(checked.ok()) << checked.error().to_string();
  EXPECT_TRUE(checked->is_checked());

  // Unchanged model: the file is reused as it is.
  const auto before = std::filesystem::last_write_time(file);
  ASSERT_EQ(run_zklora({"commit", "--model", model}, &err), 0);
  EXPECT_NE(err.find("up to date"), std::string::npos) << err;
  EXPECT_EQ(std::filesystem::last_write_time(file), before);

  // Another model: the old file no longer matches, a new one is made.
  const std::string other = (dir / "other").string();
  ASSERT_EQ(run_zklora({"init-model", "--shape", "tiny", "--seed", "4", "--out", other, "--quiet"}), 0);
  const std::string out2 = (dir / "c2.bin").string();
  std::filesystem::copy_file(file, out2);
  std::filesystem::copy_file(weight_blinds_path(file), weight_blinds_path(out2));
  ASSERT_EQ(run_zklora({"commit", "--model", other, "--out", out2}, &err), 0);
  auto c2 = read_weight_commitment(out2);
  ASSERT_TRUE(c2.ok());
  EXPECT_NE(c2->content_hash, c->content_hash);
  EXPECT_FALSE(c2->tensors.at("embed") == c->tensors.at("embed"));
  // The old prover file was replaced with the new public file's.
  EXPECT_TRUE(read_weight_prover_commitments(out2).ok());

  // Without the weight check (large models): the file carries none.
  const std::string out3 = (dir / "c3.bin").string();
  ASSERT_EQ(run_zklora({"commit", "--model", model, "--out", out3, "--skip-weight-check"}, &err), 0) << err;
  auto c3 = read_weight_commitment(out3);
  ASSERT_TRUE(c3.ok());
  EXPECT_TRUE(c3->weight_check.empty());
  EXPECT_EQ(c3->tensors.size(), c->tensors.size());
  // A verifier takes such a commitment only by trusting it explicitly.
  EXPECT_EQ(WeightCommitment::checked(config, *c3).code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_FALSE(WeightCommitment::trusted(c3->tensors).is_checked());
  // A prover file of another public file is refused.
  std::filesystem::copy_file(weight_blinds_path(out2), weight_blinds_path(out3),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(read_weight_prover_commitments(out3).code(), ErrorCode::INVALID_ARGUMENT);

  // Bad files.
  std::vector<char> bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto write = [&](const std::vector<char>& b) {
    const auto p = dir / "bad.bin";
    std::ofstream(p, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
    return p;
  };
  std::vector<char> bad = bytes;
  bad[0] = 'X';
  EXPECT_EQ(read_weight_commitment(write(bad)).code(), ErrorCode::INVALID_ARGUMENT);
  bad.assign(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(bytes.size() / 2));
  EXPECT_FALSE(read_weight_commitment(write(bad)).ok());
  EXPECT_EQ(run_zklora({"commit", "--model", (dir / "missing").string()}), 2);
  // A file that is not a commitment is never overwritten.
  const auto config_json = dir / "tiny" / "config.json";
  const auto before_config = std::filesystem::file_size(config_json);
  EXPECT_EQ(run_zklora({"commit", "--model", model, "--out", config_json.string()}, &err), 2);
  EXPECT_NE(err.find("not a zklora weight commitment"), std::string::npos) << err;
  EXPECT_EQ(std::filesystem::file_size(config_json), before_config);
}

}  // namespace
}  // namespace zklora
