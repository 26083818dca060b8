// Combination of several claims on one tensor into one (claims.h).
#include "zklora/piop/claims.h"

#include <string>

#include "zklora/poly/mle.h"
#include "zklora/piop/sumcheck.h"

namespace zklora {
namespace {

constexpr std::string_view kName = "claim-combine";

SumcheckShape combine_shape(unsigned num_vars) {
  SumcheckShape s;
  s.num_vars = num_vars;
  s.num_tables = 2;  // E, f
  s.terms = {SumcheckTerm{Fr::one(), {0, 1}}};
  return s;
}

template <class Claim>
Status check_points(unsigned num_vars, std::span<const Claim> claims) {
  if (claims.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "no claims to combine");
  if (num_vars > 40) return make_error(ErrorCode::INVALID_ARGUMENT, "claims on more than 40 variables");
  for (const Claim& c : claims) {
    if (c.point.size() != num_vars) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "a claim at a point of " + std::to_string(c.point.size()) +
                                                         " coordinates on a tensor of " + std::to_string(num_vars) +
                                                         " variables");
    }
  }
  return {};
}

template <class Claim>
void absorb_points(Transcript& t, unsigned num_vars, std::span<const Claim> claims) {
  t.domain(kName);
  t.absorb_u64("num-vars", num_vars);
  t.absorb_u64("claims", claims.size());
  for (const Claim& c : claims) t.absorb_frs("point", c.point);
}

}  // namespace

ProverClaim combine_claims_prove(ProverChannel& ch, TableView table, unsigned num_vars,
                                 std::span<const ProverClaim> claims, int threads) {
  if (Status s = check_points(num_vars, claims); !s) throw ZkError(s.error());
  if (claims.size() == 1) return claims[0];
  absorb_points(ch.transcript(), num_vars, claims);
  const std::vector<Fr> rho = ch.challenges("rho", claims.size());
  const size_t size = size_t{1} << num_vars;
  std::vector<const std::vector<Fr>*> points;
  ProverValue claim = ProverValue::constant(Fr::zero());
  for (size_t k = 0; k < claims.size(); ++k) {
    points.push_back(&claims[k].point);
    claim += claims[k].value * rho[k];
  }
  std::vector<std::vector<Fr>> tables;
  tables.push_back(eq_sum_table(points, rho, threads));
  tables.push_back(to_field(table, size, threads));
  const SumcheckShape shape = combine_shape(num_vars);
  const SumcheckProverResult res = sumcheck_prove(ch, shape, std::move(tables), claim, threads);
  const ProverValue f_r = ch.send("combined-value", res.evaluations[1]);
  const ProverValue e_r = ProverValue::constant(res.evaluations[0]);
  const ProverValue evals[] = {e_r, f_r};
  sumcheck_prove_final(ch, shape, res.final_value, evals);
  return {res.point, f_r};
}

Result<VerifierClaim> combine_claims_verify(VerifierChannel& ch, unsigned num_vars,
                                            std::span<const VerifierClaim> claims) {
  if (Status s = check_points(num_vars, claims); !s) return s.error();
  if (claims.size() == 1) return claims[0];
  absorb_points(ch.transcript(), num_vars, claims);
  const std::vector<Fr> rho = ch.challenges("rho", claims.size());
  VerifierValue claim = VerifierValue::constant(Fr::zero());
  for (size_t k = 0; k < claims.size(); ++k) claim += claims[k].value * rho[k];
  const SumcheckShape shape = combine_shape(num_vars);
  auto sub = sumcheck_verify(ch, shape, claim);
  if (!sub) return sub.error();
  auto f_r = ch.receive("combined-value");
  if (!f_r) return f_r.error();
  std::vector<const std::vector<Fr>*> points;
  for (const VerifierClaim& c : claims) points.push_back(&c.point);
  const Fr e_r = eq_sum_eval(points, rho, sub->point);
  const VerifierValue evals[] = {VerifierValue::constant(e_r), *f_r};
  if (Status s = sumcheck_verify_final(ch, shape, sub->expected, evals); !s) return s.error();
  return VerifierClaim{sub->point, *f_r};
}

}  // namespace zklora
