// Result type of the toolstack library: std::expected with a user-ready message.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace tessera::toolstack {

/// A failure described for the user; the message already names the file, line and key if known.
struct Error {
    std::string message;

    bool operator==(const Error&) const = default;
};

/// Value or Error: the library reports failures through this, never through exceptions.
template <typename T>
using Result = std::expected<T, Error>;

/// Shorthand for returning a failure from a function that yields Result<T>.
inline std::unexpected<Error> fail(std::string message) {
    return std::unexpected(Error{std::move(message)});
}

}  // namespace tessera::toolstack
