#pragma once
// Errors as values at module edges: Error carries a stable code and a message,
// Expected<T> is either a value or an Error. Library exceptions are caught at
// the adapter that calls the library and turned into these.
#include <string>
#include <utility>
#include <variant>

namespace fleetcast {

struct Error {
    std::string code;     // stable, machine-readable: "bad_json", "io", "not_found"...
    std::string message;  // human-readable, includes the ids involved

    Error with_context(const std::string& context) const { return {code, context + ": " + message}; }
    std::string str() const { return code + ": " + message; }
};

struct Unit {};

template <typename T>
class Expected {
   public:
    Expected(T value) : v_(std::move(value)) {}
    Expected(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }
    const Error& error() const { return std::get<1>(v_); }

   private:
    std::variant<T, Error> v_;
};

using Status = Expected<Unit>;
inline Status ok_status() { return Unit{}; }
inline Error make_error(std::string code, std::string message) { return Error{std::move(code), std::move(message)}; }

}  // namespace fleetcast
