#pragma once
// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the prediction log's
// pseudonymised fields. Own code rather than OpenSSL so the library gains no
// dependency for 100 lines; checked against the FIPS and RFC 4231 vectors.
// Everything here works on the stack: no allocation, no lock, no throw.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mlmon {
inline namespace v1 {
namespace logging {

/// Incremental SHA-256. Thread-safety: a plain value.
class Sha256 {
 public:
  /// A 32-byte digest.
  using Digest = std::array<std::uint8_t, 32>;

  Sha256() noexcept { reset(); }
  /// Starts over.
  void reset() noexcept;
  /// Hashes more bytes.
  void update(const void* data, std::size_t size) noexcept;
  /// Hashes more bytes.
  void update(std::string_view bytes) noexcept { update(bytes.data(), bytes.size()); }
  /// The digest of everything hashed since reset(); the object must be reset before reuse.
  Digest finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;

  std::uint32_t h_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;
};

/// HMAC-SHA256 with the key's padded blocks hashed once, so each message
/// costs two compressions fewer than hmac_sha256(). Thread-safety: const
/// calls are safe concurrently.
class HmacSha256 {
 public:
  /// Prepares the key.
  explicit HmacSha256(std::string_view key) noexcept;
  /// HMAC-SHA256(key, message).
  Sha256::Digest operator()(std::string_view message) const noexcept;

 private:
  Sha256 inner_;  // state after the key XOR ipad block
  Sha256 outer_;  // state after the key XOR opad block
};

/// HMAC-SHA256(key, message).
Sha256::Digest hmac_sha256(std::string_view key, std::string_view message) noexcept;

/// Lower-case hex of a digest into `out` (64 chars, not terminated).
void to_hex(const Sha256::Digest& digest, char* out) noexcept;

}  // namespace logging
}  // namespace v1
}  // namespace mlmon
