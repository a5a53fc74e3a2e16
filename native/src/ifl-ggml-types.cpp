// ifl-ggml-types.cpp — block sizes and byte sizes of every GGML type (from ggml's type_traits).
#include "ifl-ggml-types.h"

namespace ifl {

const ggml_type_traits * ggml_type_get_traits(uint32_t id) {
    // Sizes: see ggml-common.h block_* structs (ggml_half = 2 bytes).
    static const ggml_type_traits f32 {"F32", 1, 4, true};
    static const ggml_type_traits f16 {"F16", 1, 2, true};
    static const ggml_type_traits q4_0 {"Q4_0", 32, 18, true};
    static const ggml_type_traits q4_1 {"Q4_1", 32, 20, true};
    static const ggml_type_traits q5_0 {"Q5_0", 32, 22, true};
    static const ggml_type_traits q5_1 {"Q5_1", 32, 24, true};
    static const ggml_type_traits q8_0 {"Q8_0", 32, 34, true};
    static const ggml_type_traits q8_1 {"Q8_1", 32, 36, false};
    static const ggml_type_traits q2_k {"Q2_K", QK_K, 84, true};
    static const ggml_type_traits q3_k {"Q3_K", QK_K, 110, true};
    static const ggml_type_traits q4_k {"Q4_K", QK_K, 144, true};
    static const ggml_type_traits q5_k {"Q5_K", QK_K, 176, true};
    static const ggml_type_traits q6_k {"Q6_K", QK_K, 210, true};
    static const ggml_type_traits q8_k {"Q8_K", QK_K, 292, false};
    static const ggml_type_traits iq2_xxs {"IQ2_XXS", QK_K, 66, false};
    static const ggml_type_traits iq2_xs {"IQ2_XS", QK_K, 74, false};
    static const ggml_type_traits iq3_xxs {"IQ3_XXS", QK_K, 98, false};
    static const ggml_type_traits iq1_s {"IQ1_S", QK_K, 50, false};
    static const ggml_type_traits iq4_nl {"IQ4_NL", 32, 18, false};
    static const ggml_type_traits iq3_s {"IQ3_S", QK_K, 110, false};
    static const ggml_type_traits iq2_s {"IQ2_S", QK_K, 82, false};
    static const ggml_type_traits iq4_xs {"IQ4_XS", QK_K, 136, false};
    static const ggml_type_traits i8 {"I8", 1, 1, false};
    static const ggml_type_traits i16 {"I16", 1, 2, false};
    static const ggml_type_traits i32 {"I32", 1, 4, false};
    static const ggml_type_traits i64 {"I64", 1, 8, false};
    static const ggml_type_traits f64 {"F64", 1, 8, false};
    static const ggml_type_traits iq1_m {"IQ1_M", QK_K, 56, false};
    static const ggml_type_traits bf16 {"BF16", 1, 2, true};
    static const ggml_type_traits tq1_0 {"TQ1_0", QK_K, 54, false};
    static const ggml_type_traits tq2_0 {"TQ2_0", QK_K, 66, false};
    static const ggml_type_traits mxfp4 {"MXFP4", 32, 17, false};
    switch (id) {
        case 0: return &f32;     case 1: return &f16;     case 2: return &q4_0;    case 3: return &q4_1;
        case 6: return &q5_0;    case 7: return &q5_1;    case 8: return &q8_0;    case 9: return &q8_1;
        case 10: return &q2_k;   case 11: return &q3_k;   case 12: return &q4_k;   case 13: return &q5_k;
        case 14: return &q6_k;   case 15: return &q8_k;   case 16: return &iq2_xxs; case 17: return &iq2_xs;
        case 18: return &iq3_xxs; case 19: return &iq1_s; case 20: return &iq4_nl; case 21: return &iq3_s;
        case 22: return &iq2_s;  case 23: return &iq4_xs; case 24: return &i8;     case 25: return &i16;
        case 26: return &i32;    case 27: return &i64;    case 28: return &f64;    case 29: return &iq1_m;
        case 30: return &bf16;   case 34: return &tq1_0;  case 35: return &tq2_0;  case 39: return &mxfp4;
        default: return nullptr;
    }
}

} // namespace ifl
