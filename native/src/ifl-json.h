// ifl-json.h — a small JSON document model for the engine's own metadata files (saved-memory
// manifests): parse (RFC 8259, nesting depth <= 64, no duplicate-key check), typed lookups and a
// writer with stable key order. Not a general-purpose library: numbers are doubles, objects keep
// their key order, and every failure throws ifl::error with the status the caller chooses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ifl-error.h"

namespace ifl {

class json_value {
public:
    enum class kind { null, boolean, number, string, array, object };

    json_value() = default;
    static json_value make_bool(bool b);
    static json_value make_number(double d);
    static json_value make_string(std::string s);
    static json_value make_array();
    static json_value make_object();

    kind type() const { return kind_; }
    bool is_object() const { return kind_ == kind::object; }

    // ---- building -------------------------------------------------------------------------
    json_value & push(json_value v);                         // arrays
    json_value & set(const std::string & key, json_value v); // objects (appends; keys kept in order)

    // ---- reading (nullptr / false when absent or of another type) --------------------------
    const json_value * get(const std::string & key) const;
    const std::vector<json_value> & items() const { return arr_; }
    const std::vector<std::pair<std::string, json_value>> & members() const { return obj_; }
    bool as_bool() const { return b_; }
    double as_number() const { return num_; }
    const std::string & as_string() const { return str_; }

    // Serialises with 2-space indentation (numbers: integers as such, others shortest round-trip; locale-independent).
    std::string dump(int indent = 0) const;

private:
    kind        kind_ = kind::null;
    bool        b_ = false;
    double      num_ = 0;
    std::string str_;
    std::vector<json_value> arr_;
    std::vector<std::pair<std::string, json_value>> obj_;
};

// Parses `text`; throws ifl::error(code) "<what>: <reason> at offset N" on malformed input.
json_value json_parse(const std::string & text, status code, const char * what);

// Typed member access for validation code: throws ifl::error(code) naming `what` and the key.
const json_value & json_member(const json_value & obj, const char * key, json_value::kind k, status code,
                               const char * what);
double      json_number(const json_value & obj, const char * key, status code, const char * what);
int64_t     json_int(const json_value & obj, const char * key, int64_t lo, int64_t hi, status code, const char * what);
std::string json_string(const json_value & obj, const char * key, status code, const char * what);

} // namespace ifl
