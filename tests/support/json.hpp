// A small JSON reader for the messages a browser sends over the DevTools protocol, and the
// quoting to write a string into a command. Enough for tests: numbers are doubles, objects
// keep their order, and a missing member reads as null rather than throwing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clipshare::test {

class Json {
public:
    enum class Type { null, boolean, number, string, array, object };

    // The value `text` holds, or nothing when it is not exactly one JSON value.
    static std::optional<Json> parse(std::string_view text);

    Type type() const { return type_; }
    bool is_null() const { return type_ == Type::null; }
    bool boolean() const { return type_ == Type::boolean && boolean_; }
    double number() const { return type_ == Type::number ? number_ : 0; }
    // The string's value; empty for any other type.
    const std::string& string() const { return string_; }
    const std::vector<Json>& items() const { return items_; }
    // The member named `key` of an object; null when absent or not an object.
    const Json& operator[](std::string_view key) const;
    bool has(std::string_view key) const;
    // Written back as compact JSON (for failure messages).
    std::string dump() const;

private:
    friend class JsonReader;
    Type type_ = Type::null;
    bool boolean_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<Json> items_;
    std::vector<std::pair<std::string, Json>> members_;
};

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

}  // namespace clipshare::test
