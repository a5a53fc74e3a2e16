// ifl-json.cpp — recursive-descent JSON parser and writer (see ifl-json.h).
#include "ifl-json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace ifl {

json_value json_value::make_bool(bool b) { json_value v; v.kind_ = kind::boolean; v.b_ = b; return v; }
json_value json_value::make_number(double d) { json_value v; v.kind_ = kind::number; v.num_ = d; return v; }
json_value json_value::make_string(std::string s) { json_value v; v.kind_ = kind::string; v.str_ = std::move(s); return v; }
json_value json_value::make_array() { json_value v; v.kind_ = kind::array; return v; }
json_value json_value::make_object() { json_value v; v.kind_ = kind::object; return v; }

json_value & json_value::push(json_value v) {
    IFL_ASSERT(kind_ == kind::array);
    arr_.push_back(std::move(v));
    return arr_.back();
}

json_value & json_value::set(const std::string & key, json_value v) {
    IFL_ASSERT(kind_ == kind::object);
    obj_.emplace_back(key, std::move(v));
    return obj_.back().second;
}

const json_value * json_value::get(const std::string & key) const {
    if (kind_ != kind::object) return nullptr;
    for (const auto & m : obj_)
        if (m.first == key) return &m.second;
    return nullptr;
}

namespace {

void dump_string(const std::string & s, std::string & out) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += (char)c;
                }
        }
    }
    out += '"';
}

void dump_value(const json_value & v, int indent, std::string & out) {
    const std::string pad((size_t)indent * 2, ' '), pad_in((size_t)(indent + 1) * 2, ' ');
    switch (v.type()) {
        case json_value::kind::null: out += "null"; break;
        case json_value::kind::boolean: out += v.as_bool() ? "true" : "false"; break;
        case json_value::kind::number: {
            // integers as such, others in the shortest round-trip form; to_chars ignores the C locale
            char buf[64];
            const double d = v.as_number();
            if (!std::isfinite(d)) {
                out += "null";
                break;
            }
            const bool integral = d == std::floor(d) && std::fabs(d) < 9.007199254740992e15;  // exact in a double
            const std::to_chars_result r =
                integral ? std::to_chars(buf, buf + sizeof buf, (long long)d) : std::to_chars(buf, buf + sizeof buf, d);
            out.append(buf, r.ptr);
            break;
        }
        case json_value::kind::string: dump_string(v.as_string(), out); break;
        case json_value::kind::array:
            if (v.items().empty()) { out += "[]"; break; }
            out += "[\n";
            for (size_t i = 0; i < v.items().size(); ++i) {
                out += pad_in;
                dump_value(v.items()[i], indent + 1, out);
                out += i + 1 < v.items().size() ? ",\n" : "\n";
            }
            out += pad + "]";
            break;
        case json_value::kind::object:
            if (v.members().empty()) { out += "{}"; break; }
            out += "{\n";
            for (size_t i = 0; i < v.members().size(); ++i) {
                out += pad_in;
                dump_string(v.members()[i].first, out);
                out += ": ";
                dump_value(v.members()[i].second, indent + 1, out);
                out += i + 1 < v.members().size() ? ",\n" : "\n";
            }
            out += pad + "}";
            break;
    }
}

class parser {
public:
    parser(const std::string & t, status code, const char * what) : t_(t), code_(code), what_(what) {}

    json_value document() {
        json_value v = value(0);
        skip_ws();
        if (i_ != t_.size()) fail("unexpected text after the value");
        return v;
    }

private:
    [[noreturn]] void fail(const char * why) const {
        throw_error(code_, "%s: not valid JSON (%s at offset %zu)", what_, why, i_);
    }
    void skip_ws() {
        while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
    }
    bool eat(const char * lit) {
        size_t n = 0;
        while (lit[n]) ++n;
        if (t_.compare(i_, n, lit) != 0) return false;
        i_ += n;
        return true;
    }

    json_value value(int depth) {
        if (depth > 64) fail("nesting too deep");
        skip_ws();
        if (i_ >= t_.size()) fail("unexpected end");
        const char c = t_[i_];
        if (c == '{') return object(depth);
        if (c == '[') return array(depth);
        if (c == '"') return json_value::make_string(string());
        if (eat("true")) return json_value::make_bool(true);
        if (eat("false")) return json_value::make_bool(false);
        if (eat("null")) return json_value();
        return number();
    }

    json_value object(int depth) {
        json_value o = json_value::make_object();
        ++i_;
        skip_ws();
        if (i_ < t_.size() && t_[i_] == '}') { ++i_; return o; }
        for (;;) {
            skip_ws();
            if (i_ >= t_.size() || t_[i_] != '"') fail("expected a key");
            std::string key = string();
            skip_ws();
            if (i_ >= t_.size() || t_[i_] != ':') fail("expected ':'");
            ++i_;
            o.set(key, value(depth + 1));
            skip_ws();
            if (i_ < t_.size() && t_[i_] == ',') { ++i_; continue; }
            if (i_ < t_.size() && t_[i_] == '}') { ++i_; return o; }
            fail("expected ',' or '}'");
        }
    }

    json_value array(int depth) {
        json_value a = json_value::make_array();
        ++i_;
        skip_ws();
        if (i_ < t_.size() && t_[i_] == ']') { ++i_; return a; }
        for (;;) {
            a.push(value(depth + 1));
            skip_ws();
            if (i_ < t_.size() && t_[i_] == ',') { ++i_; continue; }
            if (i_ < t_.size() && t_[i_] == ']') { ++i_; return a; }
            fail("expected ',' or ']'");
        }
    }

    unsigned hex4() {
        if (i_ + 4 > t_.size()) fail("short \\u escape");
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = t_[i_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
            else fail("bad \\u escape");
        }
        return v;
    }

    static void utf8(unsigned cp, std::string & out) {
        if (cp < 0x80) out += (char)cp;
        else if (cp < 0x800) { out += (char)(0xC0 | (cp >> 6)); out += (char)(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            out += (char)(0xE0 | (cp >> 12)); out += (char)(0x80 | ((cp >> 6) & 0x3F)); out += (char)(0x80 | (cp & 0x3F));
        } else {
            out += (char)(0xF0 | (cp >> 18)); out += (char)(0x80 | ((cp >> 12) & 0x3F));
            out += (char)(0x80 | ((cp >> 6) & 0x3F)); out += (char)(0x80 | (cp & 0x3F));
        }
    }

    std::string string() {
        ++i_;  // opening quote
        std::string s;
        for (;;) {
            if (i_ >= t_.size()) fail("unterminated string");
            const unsigned char c = (unsigned char)t_[i_++];
            if (c == '"') return s;
            if (c < 0x20) fail("control character in string");
            if (c != '\\') { s += (char)c; continue; }
            if (i_ >= t_.size()) fail("unterminated escape");
            const char e = t_[i_++];
            switch (e) {
                case '"': s += '"'; break;
                case '\\': s += '\\'; break;
                case '/': s += '/'; break;
                case 'b': s += '\b'; break;
                case 'f': s += '\f'; break;
                case 'n': s += '\n'; break;
                case 'r': s += '\r'; break;
                case 't': s += '\t'; break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00) {
                        if (!eat("\\u")) fail("lone surrogate");
                        const unsigned lo = hex4();
                        if (lo < 0xDC00 || lo >= 0xE000) fail("bad surrogate pair");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else if (cp >= 0xDC00 && cp < 0xE000) {
                        fail("lone surrogate");
                    }
                    utf8(cp, s);
                    break;
                }
                default: fail("bad escape");
            }
        }
    }

    json_value number() {
        const size_t start = i_;
        if (i_ < t_.size() && t_[i_] == '-') ++i_;
        auto digits = [&]() {
            const size_t d0 = i_;
            while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
            return i_ - d0;
        };
        if (i_ < t_.size() && t_[i_] == '0') ++i_;
        else if (digits() == 0) fail("unexpected character");
        if (i_ < t_.size() && t_[i_] == '.') { ++i_; if (digits() == 0) fail("bad number"); }
        if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
            ++i_;
            if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
            if (digits() == 0) fail("bad number");
        }
        double d = 0;  // from_chars: locale-independent, unlike strtod
        const std::from_chars_result r = std::from_chars(t_.data() + start, t_.data() + i_, d);
        if (r.ec == std::errc::result_out_of_range) fail("number out of range");
        if (r.ec != std::errc() || r.ptr != t_.data() + i_) fail("bad number");
        return json_value::make_number(d);
    }

    const std::string & t_;
    status              code_;
    const char *        what_;
    size_t              i_ = 0;
};

const char * kind_name(json_value::kind k) {
    switch (k) {
        case json_value::kind::null: return "null";
        case json_value::kind::boolean: return "a boolean";
        case json_value::kind::number: return "a number";
        case json_value::kind::string: return "a string";
        case json_value::kind::array: return "an array";
        case json_value::kind::object: return "an object";
    }
    return "?";
}

} // namespace

std::string json_value::dump(int indent) const {
    std::string out;
    dump_value(*this, indent, out);
    return out;
}

json_value json_parse(const std::string & text, status code, const char * what) {
    return parser(text, code, what).document();
}

const json_value & json_member(const json_value & obj, const char * key, json_value::kind k, status code,
                               const char * what) {
    const json_value * v = obj.get(key);
    if (!v) throw_error(code, "%s: \"%s\" is missing", what, key);
    if (v->type() != k) throw_error(code, "%s: \"%s\" must be %s", what, key, kind_name(k));
    return *v;
}

double json_number(const json_value & obj, const char * key, status code, const char * what) {
    return json_member(obj, key, json_value::kind::number, code, what).as_number();
}

int64_t json_int(const json_value & obj, const char * key, int64_t lo, int64_t hi, status code, const char * what) {
    const double d = json_number(obj, key, code, what);
    if (d != std::floor(d) || d < (double)lo || d > (double)hi)
        throw_error(code, "%s: \"%s\" must be an integer in [%lld, %lld] (got %g)", what, key, (long long)lo,
                    (long long)hi, d);
    return (int64_t)d;
}

std::string json_string(const json_value & obj, const char * key, status code, const char * what) {
    return json_member(obj, key, json_value::kind::string, code, what).as_string();
}

} // namespace ifl
