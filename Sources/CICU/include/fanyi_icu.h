// CICU: the few ICU services Fanyi uses, behind a C interface of plain integer types.
//
// Why a C wrapper and not a module map over <unicode/*.h>: Foundation on Linux carries its own
// ICU, and any Swift module that sees both ICU's C types and Foundation fails to build
// ("'UErrorCode' has different definitions in different modules"). Here no ICU type crosses into
// Swift: texts are UTF-16 buffers, errors are ICU's UErrorCode values as int32_t (0 = success,
// negative = warning, positive = failure). The C file includes ICU's headers, so Debian's
// versioned symbol names (ubrk_open_72, ...) are resolved by ICU's own macros.
#ifndef FANYI_ICU_H
#define FANYI_ICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Normalization forms understood by `fanyi_icu_normalize`.
enum { FANYI_ICU_NFC = 0, FANYI_ICU_NFKC = 1 };

/// Normalizes `src[0..<length]` into `dest` (capacity `capacity` UTF-16 units).
/// Returns the normalized length; when it exceeds `capacity`, `*error` is
/// U_BUFFER_OVERFLOW_ERROR (15) and the caller retries with a larger buffer.
int32_t fanyi_icu_normalize(int32_t form, const uint16_t *src, int32_t length,
                            uint16_t *dest, int32_t capacity, int32_t *error);

/// 1 when `src` is certainly already in `form` (ICU quick check says YES), else 0.
int32_t fanyi_icu_is_normalized_quick(int32_t form, const uint16_t *src, int32_t length);

/// Lowercases with the case mapping rules of `locale` (e.g. "tr" maps I to dotless ı).
/// Same return and error convention as `fanyi_icu_normalize`.
int32_t fanyi_icu_to_lower(const char *locale, const uint16_t *src, int32_t length,
                           uint16_t *dest, int32_t capacity, int32_t *error);

/// An ICU word-break iterator (UBRK_WORD, root rules with ICU's CJK and Thai dictionaries).
/// Not thread-safe: one per thread. Returns NULL and sets `*error` on failure.
void *fanyi_icu_word_breaker_open(const char *locale, int32_t *error);
void fanyi_icu_word_breaker_close(void *breaker);

/// Segments `text` into words. Writes up to `capacity` boundaries (UTF-16 offsets, the first
/// is 0, the last is `length`) and, for each segment ending at `boundaries[i]` (i >= 1), the
/// rule status in `statuses[i]` (0-99 none/punctuation/space, 100-199 number, 200-299 letter,
/// 300-399 kana, 400-499 ideograph). Returns the number of boundaries; a result larger than
/// `capacity` means the buffers were too small and nothing beyond `capacity` was written.
/// `text` must stay alive and unchanged during the call only.
int32_t fanyi_icu_word_boundaries(void *breaker, const uint16_t *text, int32_t length,
                                  int32_t *boundaries, int32_t *statuses, int32_t capacity,
                                  int32_t *error);

/// An ICU sentence-break iterator (UBRK_SENTENCE); its boundaries come from
/// `fanyi_icu_word_boundaries`, which works on any break iterator (statuses: 0 a sentence that
/// ends with a terminator such as '.', 100 one that ends at a line separator or the text's end).
void *fanyi_icu_sentence_breaker_open(const char *locale, int32_t *error);

/// ICU's script code (UScriptCode) of a code point: 0 Common, 1 Inherited, 25 Latin, 17 Han,
/// 20 Hiragana, 22 Katakana, 18 Hangul, 8 Cyrillic, ... Negative on error.
int32_t fanyi_icu_script(uint32_t codepoint);

/// The four-letter ISO 15924 code of a UScriptCode ("Latn", "Hani"), or "" when unknown.
const char *fanyi_icu_script_code(int32_t script);

/// The likely script of a language ("en" → "Latn", "zh" → "Hans", "ja" → "Jpan", "ko" → "Kore")
/// from CLDR's likely subtags. Writes up to `capacity` - 1 bytes and a NUL into `dest`; returns
/// the length, 0 when ICU knows no script for it.
int32_t fanyi_icu_likely_script(const char *language, char *dest, int32_t capacity);

/// ICU's name for an error code, e.g. "U_ILLEGAL_ARGUMENT_ERROR".
const char *fanyi_icu_error_name(int32_t error);

#ifdef __cplusplus
}
#endif

#endif
