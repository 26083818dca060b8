// A step's proof file (step_file.h).
#include "zklora/io/step_file.h"

#include <cstring>
#include <utility>

#include "file_codec.h"
#include "zklora/pcs/codec.h"

namespace zklora {
namespace {

using io::at;

// Bounds a reader checks before it allocates (a hostile file cannot make it reserve more).
constexpr uint64_t kMaxHeadBytes = uint64_t{1} << 32;
constexpr uint32_t kMaxParts = uint32_t{1} << 20;
constexpr size_t kPartHeaderBytes = 1 + 4 + 8;

void write_part_header(ByteWriter& w, PartId part, uint64_t len) {
  w.u8(static_cast<uint8_t>(part.kind));
  w.u32(static_cast<uint32_t>(part.index));
  w.u64(len);
}

Result<PartId> read_part_id(ByteReader& r, const std::string& where) {
  auto kind = r.u8("part kind");
  if (!kind) return at(where, kind.error());
  if (kind.value() < static_cast<uint8_t>(PartKind::EMBEDDING) || kind.value() > static_cast<uint8_t>(PartKind::UPDATE)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unknown sub-proof kind " + std::to_string(kind.value()));
  }
  auto index = r.u32("part index");
  if (!index) return at(where, index.error());
  return PartId{static_cast<PartKind>(kind.value()), static_cast<int64_t>(index.value())};
}

}  // namespace

std::vector<uint8_t> StepFileHead::to_bytes() const {
  ByteWriter w;
  w.u8(static_cast<uint8_t>(mode));
  io::write_digest(w, run);
  w.u64(static_cast<uint64_t>(step));
  w.u64(indices.size());
  for (const int64_t i : indices) w.u64(static_cast<uint64_t>(i));
  w.u64(static_cast<uint64_t>(loss_sum));
  w.u64(static_cast<uint64_t>(count));
  io::write_digest(w, input);
  io::write_named_commitments(w, outputs);
  io::write_commitment_list(w, cuts);
  return w.take();
}

Result<StepFileHead> StepFileHead::from_bytes(std::span<const uint8_t> bytes, const std::string& where, int threads) {
  ByteReader r(bytes);
  StepFileHead f;
  auto mode = r.u8("channel mode");
  if (!mode) return at(where, mode.error());
  if (mode.value() > static_cast<uint8_t>(ChannelMode::ZERO_KNOWLEDGE)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unknown channel mode " + std::to_string(mode.value()));
  }
  f.mode = static_cast<ChannelMode>(mode.value());
  auto run = io::read_digest(r, "run digest");
  if (!run) return at(where, run.error());
  f.run = run.value();
  auto step = r.u64("step");
  if (!step) return at(where, step.error());
  if (step.value() == 0 || step.value() > (uint64_t{1} << 32)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": step number " + std::to_string(step.value()));
  }
  f.step = static_cast<int64_t>(step.value());
  auto batch = r.u64("batch");
  if (!batch) return at(where, batch.error());
  if (Status s = r.need_items(batch.value(), 8, "batch indices"); !s) return at(where, s.error());
  for (uint64_t i = 0; i < batch.value(); ++i) {
    const uint64_t x = r.u64("batch index").value();
    if (x > (uint64_t{1} << 40)) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": batch index too large");
    f.indices.push_back(static_cast<int64_t>(x));
  }
  auto loss = r.u64("loss sum");
  if (!loss) return at(where, loss.error());
  f.loss_sum = static_cast<int64_t>(loss.value());
  auto count = r.u64("count");
  if (!count) return at(where, count.error());
  if (count.value() > (uint64_t{1} << 40)) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": count too large");
  f.count = static_cast<int64_t>(count.value());
  auto input = io::read_digest(r, "input digest");
  if (!input) return at(where, input.error());
  f.input = input.value();
  auto outs = io::read_named_commitments(r, where, threads);
  if (!outs) return outs.error();
  f.outputs = std::move(outs.value());
  auto cuts = io::read_commitment_list(r, where, threads);
  if (!cuts) return cuts.error();
  f.cuts = std::move(cuts.value());
  if (Status s = r.finish(); !s) return at(where, s.error());
  return f;
}

uint64_t StepFile::proof_bytes() const {
  uint64_t n = 0;
  for (const auto& [name, c] : head.cuts) n += c.byte_size();
  for (const PartRecord& p : parts) n += p.proof.size();
  return n;
}

std::vector<uint8_t> StepFile::to_bytes() const {
  ByteWriter w;
  io::write_magic(w, kStepFileMagic);
  w.u32(kStepFileVersion);
  const std::vector<uint8_t> h = head.to_bytes();
  w.u64(h.size());
  w.raw(h);
  w.u32(static_cast<uint32_t>(parts.size()));
  for (const PartRecord& p : parts) {
    write_part_header(w, p.part, p.proof.size());
    w.raw(p.proof);
  }
  return w.take();
}

Result<StepFile> StepFile::from_bytes(std::span<const uint8_t> bytes, const std::string& where, int threads) {
  ByteReader r(bytes);
  if (Status s = io::read_magic(r, kStepFileMagic, where, "step proof", kStepFileVersion); !s) return s.error();
  auto hlen = r.u64("head length");
  if (!hlen) return at(where, hlen.error());
  if (hlen.value() > r.remaining()) return make_error(ErrorCode::TRUNCATED_PROOF, where + ": the head is cut short");
  auto hb = r.raw(static_cast<size_t>(hlen.value()), "head");
  if (!hb) return at(where, hb.error());
  StepFile f;
  auto head = StepFileHead::from_bytes(hb.value(), where, threads);
  if (!head) return head.error();
  f.head = std::move(head.value());
  auto n = r.u32("sub-proof count");
  if (!n) return at(where, n.error());
  if (Status s = r.need_items(n.value(), kPartHeaderBytes, "sub-proofs"); !s) return at(where, s.error());
  for (uint32_t k = 0; k < n.value(); ++k) {
    auto id = read_part_id(r, where);
    if (!id) return id.error();
    auto len = r.u64("sub-proof length");
    if (!len) return at(where, len.error());
    if (len.value() > r.remaining()) {
      return make_error(ErrorCode::TRUNCATED_PROOF, where + ": sub-proof " + id->name() + " is cut short");
    }
    auto proof = r.raw(static_cast<size_t>(len.value()), "sub-proof");
    if (!proof) return at(where, proof.error());
    f.parts.push_back({id.value(), std::vector<uint8_t>(proof->begin(), proof->end())});
  }
  if (Status s = r.finish(); !s) return at(where, s.error());
  return f;
}

// ---- writer ------------------------------------------------------------------------------------------------------

Result<StepFileWriter> StepFileWriter::open(const std::filesystem::path& file, const StepFileHead& head,
                                            uint32_t parts) {
  StepFileWriter w;
  w.file_ = file;
  w.tmp_ = file.string() + ".tmp";
  w.parts_ = parts;
  w.out_ = std::make_unique<std::ofstream>(w.tmp_, std::ios::binary | std::ios::trunc);
  if (!*w.out_) return make_error(ErrorCode::IO, w.tmp_.string() + ": cannot create");
  ByteWriter b;
  io::write_magic(b, kStepFileMagic);
  b.u32(kStepFileVersion);
  const std::vector<uint8_t> h = head.to_bytes();
  b.u64(h.size());
  b.raw(h);
  b.u32(parts);
  w.out_->write(reinterpret_cast<const char*>(b.bytes().data()), static_cast<std::streamsize>(b.size()));
  w.bytes_ = b.size();
  if (!*w.out_) return make_error(ErrorCode::IO, w.tmp_.string() + ": cannot write");
  return w;
}

StepFileWriter::StepFileWriter(StepFileWriter&& o) noexcept
    : file_(std::move(o.file_)), tmp_(std::move(o.tmp_)), out_(std::move(o.out_)), parts_(o.parts_),
      written_(o.written_), bytes_(o.bytes_), done_(o.done_) {
  o.done_ = true;  // the moved-from writer owns no temporary file
}

StepFileWriter::~StepFileWriter() {
  if (done_) return;
  out_.reset();
  std::error_code ec;
  std::filesystem::remove(tmp_, ec);
}

Status StepFileWriter::append(const PartRecord& part) {
  if (done_ || written_ == parts_) return make_error(ErrorCode::INVALID_ARGUMENT, file_.string() + ": a sub-proof too many");
  ByteWriter b;
  write_part_header(b, part.part, part.proof.size());
  out_->write(reinterpret_cast<const char*>(b.bytes().data()), static_cast<std::streamsize>(b.size()));
  out_->write(reinterpret_cast<const char*>(part.proof.data()), static_cast<std::streamsize>(part.proof.size()));
  if (!*out_) return make_error(ErrorCode::IO, tmp_.string() + ": cannot write");
  bytes_ += b.size() + part.proof.size();
  ++written_;
  return {};
}

Status StepFileWriter::finish() {
  if (done_ || written_ != parts_) {
    return make_error(ErrorCode::INVALID_ARGUMENT, file_.string() + ": " + std::to_string(written_) + " of " +
                                                       std::to_string(parts_) + " sub-proofs written");
  }
  out_->flush();
  if (!*out_) return make_error(ErrorCode::IO, tmp_.string() + ": cannot write");
  out_.reset();
  std::error_code ec;
  std::filesystem::rename(tmp_, file_, ec);
  if (ec) return make_error(ErrorCode::IO, file_.string() + ": " + ec.message());
  done_ = true;
  return {};
}

// ---- reader ------------------------------------------------------------------------------------------------------

Result<StepFileReader> StepFileReader::open(const std::filesystem::path& file, const std::string& where, int threads,
                                            uint64_t max_part) {
  StepFileReader r;
  r.where_ = where;
  r.max_part_ = max_part;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return make_error(ErrorCode::IO, where + ": no such file");
  r.size_ = std::filesystem::file_size(file, ec);
  if (ec) return make_error(ErrorCode::IO, where + ": " + ec.message());
  r.in_ = std::make_unique<std::ifstream>(file, std::ios::binary);
  if (!*r.in_) return make_error(ErrorCode::IO, where + ": cannot open");
  std::vector<uint8_t> start(8 + 4 + 8);
  if (r.size_ < start.size()) return make_error(ErrorCode::TRUNCATED_PROOF, where + ": shorter than a step file's start");
  r.in_->read(reinterpret_cast<char*>(start.data()), static_cast<std::streamsize>(start.size()));
  ByteReader br(start);
  if (Status s = io::read_magic(br, kStepFileMagic, where, "step proof", kStepFileVersion); !s) return s.error();
  const uint64_t hlen = br.u64("head length").value();
  if (hlen > kMaxHeadBytes || hlen + start.size() + 4 > r.size_) {
    return make_error(ErrorCode::TRUNCATED_PROOF, where + ": a head of " + std::to_string(hlen) + " bytes does not fit");
  }
  std::vector<uint8_t> head(static_cast<size_t>(hlen) + 4);
  r.in_->read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  if (!*r.in_) return make_error(ErrorCode::IO, where + ": cannot read");
  auto h = StepFileHead::from_bytes(std::span<const uint8_t>(head).first(static_cast<size_t>(hlen)), where, threads);
  if (!h) return h.error();
  r.head_ = std::move(h.value());
  ByteReader cr(std::span<const uint8_t>(head).last(4));
  r.parts_ = cr.u32("sub-proof count").value();
  r.offset_ = start.size() + head.size();
  if (r.parts_ > kMaxParts || static_cast<uint64_t>(r.parts_) * kPartHeaderBytes > r.size_ - r.offset_) {
    return make_error(ErrorCode::TRUNCATED_PROOF, where + ": " + std::to_string(r.parts_) + " sub-proofs do not fit");
  }
  return r;
}

Result<std::optional<std::pair<PartId, uint64_t>>> StepFileReader::next_header() {
  if (read_ == parts_) {
    if (offset_ != size_) {
      return make_error(ErrorCode::TRAILING_PROOF_BYTES, where_ + ": " + std::to_string(size_ - offset_) +
                                                             " bytes after the last sub-proof");
    }
    return std::optional<std::pair<PartId, uint64_t>>();
  }
  if (size_ - offset_ < kPartHeaderBytes) {
    return make_error(ErrorCode::TRUNCATED_PROOF, where_ + ": sub-proof " + std::to_string(read_) + " is missing");
  }
  std::vector<uint8_t> b(kPartHeaderBytes);
  in_->read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!*in_) return make_error(ErrorCode::IO, where_ + ": cannot read");
  offset_ += b.size();
  ByteReader r(b);
  auto id = read_part_id(r, where_);
  if (!id) return id.error();
  const uint64_t len = r.u64("sub-proof length").value();
  if (len > size_ - offset_) {
    return make_error(ErrorCode::TRUNCATED_PROOF, where_ + ": sub-proof " + id->name() + " is cut short");
  }
  if (len > max_part_) {
    return make_error(ErrorCode::BAD_LENGTH, where_ + ": sub-proof " + id->name() + " of " + std::to_string(len) +
                                                 " bytes, more than a step's part can hold");
  }
  ++read_;
  return std::optional<std::pair<PartId, uint64_t>>(std::pair{id.value(), len});
}

Result<std::optional<PartRecord>> StepFileReader::next() {
  auto h = next_header();
  if (!h) return h.error();
  if (!h->has_value()) return std::optional<PartRecord>();
  PartRecord p{(*h)->first, std::vector<uint8_t>(static_cast<size_t>((*h)->second))};
  in_->read(reinterpret_cast<char*>(p.proof.data()), static_cast<std::streamsize>(p.proof.size()));
  if (!*in_) return make_error(ErrorCode::IO, where_ + ": cannot read");
  offset_ += p.proof.size();
  return std::optional<PartRecord>(std::move(p));
}

Result<std::optional<std::pair<PartId, uint64_t>>> StepFileReader::skip() {
  auto h = next_header();
  if (!h) return h.error();
  if (h->has_value()) {
    in_->seekg(static_cast<std::streamoff>((*h)->second), std::ios::cur);
    offset_ += (*h)->second;
  }
  return h;
}

}  // namespace zklora
