// The `zklora` command line: subcommands, exit codes (0 success, 1 a proof was rejected, 2 bad usage or bad
// input; DESIGN.md section 6) and the benchmarks behind `zklora bench`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace zklora {

// Runs the command line; returns the process exit code. Never throws.
int run_cli(int argc, char** argv);

// `zklora bench field`: {"fr_mul_ns", "fr_inv_ns", "fr_batch_inv_ns_per_elem", ...}.
nlohmann::json bench_field();

// `zklora bench sumcheck`: {"deg2_2^20_ns_per_elem", "deg3_2^20_ns_per_elem", "matmul_128x4096x4096_s", ...}.
nlohmann::json bench_sumcheck();

// `zklora bench hyrax`: {"hyrax": [{"log2n", "bits", "commit_s", "open_s", "verify_ms", "proof_bytes"}, ...],
// "ratios": {...}} for 2^16, 2^20 and 2^22 entries of 255 and 16 bits.
nlohmann::json bench_hyrax();

// `zklora bench msm`: {"msm": [{"log2n", "bits", "threads", "us_per_point"}, ...], "blst_reference": [...],
// "ratios": {...}}. max_log2n bounds the sizes (16 and 20 by default).
nlohmann::json bench_msm(unsigned max_log2n = 20);

// `zklora bench train`: {"tiny_step_s", "llama7b_layer_seq128_step_s", "peak_rss_mb"}: unproven steps.
nlohmann::json bench_train();

// `zklora bench lookup`: {"range16_2^20_prove_s", "range16_2^20_verify_ms", "range16_2^20_proof_bytes",
// "func_2^20_prove_s", ...}: LogUp over 2^20 values in the 2^16 range table and 2^20 pairs in SIGMOID.
nlohmann::json bench_lookup();

// `zklora bench prove --what linear`: {"results": [{"shape", "commit_s", "prove_s", "verify_ms", "proof_bytes",
// "peak_rss_mb", "witness_s"}]} for the tiny model (a 7B-shaped layer does not fit in memory yet: bench_prove.cpp).
nlohmann::json bench_prove();
std::string& bench_prove_what();
std::string& bench_prove_shapes();
// on (the default), off (the clear channel) or both (with the zero-knowledge/clear ratios).
std::string& bench_prove_zk();

// `zklora bench depth`: {"results": [{"layers", "peak_rss_mb", "peak_over_shallowest", ...}]}: one proven step of
// models of the same width and several depths, each in a process of its own (bench_depth.cpp).
nlohmann::json bench_depth();
std::string& bench_depth_layers();
int64_t& bench_depth_width();
int64_t& bench_depth_vocab();
int64_t& bench_depth_seq();

}  // namespace zklora
