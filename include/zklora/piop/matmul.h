// Matrix products: a claim on Y = X W reduces to one claim on X and one on W (DESIGN.md section 4), with
// O(B m n + B n k) field work (B the batch size), never O(B m n k), and transposed operands read in place.
//
// Shapes (each dimension padded to a power of two, shape.h): Y (batch..., m, k); X stored (batch..., m, n), or
// (batch..., n, m) when x_transposed (Y = X_s^T W); W stored (n, k) shared by every batch index, or
// (batch..., n, k) when w_batched, or with its last two dimensions swapped when w_transposed (Y = X W_s^T, the
// layout of a linear layer's weight (out, in)). The claim's point on Y is z = (z_h || z_a || z_b) (batch, rows,
// columns). With  Xa(h, j) = X~(h, z_a, j) = sum_a eq(z_a, a) X[h][a][j]  and  Wb(h, j) = W~(h, j, z_b):
//
//   w_batched:  Y~(z) = sum_{h, j} eq(z_h, h) Xa(h, j) Wb(h, j)
//               a sumcheck over (h, j) with eq factor on the batch variables; at its point (h*, j*):
//               claim X at (h*, z_a, j*) and W at (h*, j*, z_b)   (coordinates in stored order)
//   shared W:   Y~(z) = sum_j X~(z_h, z_a, j) W~(j, z_b),  the batch folded into X's rows: a sumcheck over j;
//               claim X at (z_h, z_a, j*) and W at (j*, z_b).
// Folding X by eq(z_a) (or eq(z_h) eq(z_a)) is a weighted sum of rows (combine_rows) or, transposed, of columns
// (combine_cols); the same for W with eq(z_b): integer operands cost small-integer products only (small_mul.h).
// The prover sends X's and W's evaluations; the verifier checks s_n = X(..) W(..) (a proof of product in ZK
// mode) and returns the two claims. Soundness error 2 (bh + bn) / |Fr|.
// Transcript: domain "matmul"; the shape; the sumcheck; the two evaluations ("matmul-evals").
// As for every sumcheck, the claims' values must already be bound by the transcript (sumcheck.h).
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/table.h"

namespace zklora {

struct MatmulShape {
  std::vector<uint64_t> batch;  // leading dimensions of Y and X (and of W when w_batched)
  uint64_t m = 1, n = 1, k = 1;
  bool x_transposed = false;
  bool w_transposed = false;
  bool w_batched = false;

  PaddedShape y_shape() const;
  PaddedShape x_shape() const;  // as stored
  PaddedShape w_shape() const;  // as stored
  Status validate() const;      // INVALID_ARGUMENT for a zero dimension or more than 40 variables
};

struct MatmulProverClaims {
  ProverClaim x, w;
};
struct MatmulVerifierClaims {
  VerifierClaim x, w;
};

// x, w: the operands' entries, row-major in their stored (unpadded) shapes. y: a claim on Y's padded MLE.
MatmulProverClaims matmul_prove(ProverChannel& ch, const MatmulShape& shape, TableView x, TableView w,
                                const ProverClaim& y, int threads = 0);

Result<MatmulVerifierClaims> matmul_verify(VerifierChannel& ch, const MatmulShape& shape, const VerifierClaim& y);

}  // namespace zklora
