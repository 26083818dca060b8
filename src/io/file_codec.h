// Private to the io layer: the pieces every binary file of a run is made of (run_files.h, step_file.h): a magic
// and a version, digests, named commitments; each read bounded and validated, errors naming the file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/io/run_statement.h"
#include "zklora/pcs/codec.h"
#include "zklora/step/parts.h"
#include "zklora/step/statement.h"

namespace zklora::io {

void write_magic(ByteWriter& w, const char (&magic)[8]);
// The magic and the version; INVALID_ARGUMENT naming `where` and `what` otherwise.
Status read_magic(ByteReader& r, const char (&magic)[8], const std::string& where, const char* what,
                  uint32_t version);
Error at(const std::string& where, const Error& e);
void write_digest(ByteWriter& w, const Digest& d);
Result<Digest> read_digest(ByteReader& r, const char* what);

// u32 count || count x (str name || Hyrax commitment): a map, names strictly increasing (one encoding per map).
void write_named_commitments(ByteWriter& w, const PublicCommitments& c);
Result<PublicCommitments> read_named_commitments(ByteReader& r, const std::string& where, int threads);
// The same for a list in a given order (a step's header), names as written.
void write_commitment_list(ByteWriter& w, std::span<const NamedCommitment> c);
Result<std::vector<NamedCommitment>> read_commitment_list(ByteReader& r, const std::string& where, int threads);

}  // namespace zklora::io
