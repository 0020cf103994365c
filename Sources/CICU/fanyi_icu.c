// Thin forwarding functions from plain C types to ICU. See include/fanyi_icu.h for the contract.
#include "fanyi_icu.h"

#include <unicode/ubrk.h>
#include <unicode/uloc.h>
#include <unicode/uscript.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>

static const UNormalizer2 *normalizer(int32_t form, UErrorCode *status) {
    return form == FANYI_ICU_NFKC ? unorm2_getNFKCInstance(status) : unorm2_getNFCInstance(status);
}

int32_t fanyi_icu_normalize(int32_t form, const uint16_t *src, int32_t length,
                            uint16_t *dest, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = normalizer(form, &status);
    int32_t result = 0;
    if (U_SUCCESS(status)) {
        result = unorm2_normalize(n, (const UChar *)src, length, (UChar *)dest, capacity, &status);
    }
    *error = (int32_t)status;
    return result;
}

int32_t fanyi_icu_is_normalized_quick(int32_t form, const uint16_t *src, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = normalizer(form, &status);
    if (U_FAILURE(status)) return 0;
    UNormalizationCheckResult r = unorm2_quickCheck(n, (const UChar *)src, length, &status);
    return U_SUCCESS(status) && r == UNORM_YES;
}

int32_t fanyi_icu_to_lower(const char *locale, const uint16_t *src, int32_t length,
                           uint16_t *dest, int32_t capacity, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t result = u_strToLower((UChar *)dest, capacity, (const UChar *)src, length, locale, &status);
    *error = (int32_t)status;
    return result;
}

void *fanyi_icu_word_breaker_open(const char *locale, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *it = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
    *error = (int32_t)status;
    return U_SUCCESS(status) ? it : NULL;
}

void fanyi_icu_word_breaker_close(void *breaker) {
    if (breaker) ubrk_close((UBreakIterator *)breaker);
}

int32_t fanyi_icu_word_boundaries(void *breaker, const uint16_t *text, int32_t length,
                                  int32_t *boundaries, int32_t *statuses, int32_t capacity,
                                  int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *it = (UBreakIterator *)breaker;
    ubrk_setText(it, (const UChar *)text, length, &status);
    *error = (int32_t)status;
    if (U_FAILURE(status)) return 0;
    int32_t count = 0;
    for (int32_t p = ubrk_first(it); p != UBRK_DONE; p = ubrk_next(it)) {
        if (count < capacity) {
            boundaries[count] = p;
            statuses[count] = count == 0 ? 0 : ubrk_getRuleStatus(it);
        }
        count++;
    }
    // Detach the text so the iterator never points at a buffer the caller has freed.
    ubrk_setText(it, NULL, 0, &status);
    return count;
}

void *fanyi_icu_sentence_breaker_open(const char *locale, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *it = ubrk_open(UBRK_SENTENCE, locale, NULL, 0, &status);
    *error = (int32_t)status;
    return U_SUCCESS(status) ? it : NULL;
}

int32_t fanyi_icu_script(uint32_t codepoint) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript((UChar32)codepoint, &status);
    return U_SUCCESS(status) ? (int32_t)script : -1;
}

const char *fanyi_icu_script_code(int32_t script) {
    const char *name = uscript_getShortName((UScriptCode)script);
    return name ? name : "";
}

int32_t fanyi_icu_likely_script(const char *language, char *dest, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    char maximized[ULOC_FULLNAME_CAPACITY];
    uloc_addLikelySubtags(language, maximized, (int32_t)sizeof maximized, &status);
    if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING) return 0;
    status = U_ZERO_ERROR;
    int32_t length = uloc_getScript(maximized, dest, capacity, &status);
    if (U_FAILURE(status) || length >= capacity) return 0;
    return length;
}

const char *fanyi_icu_error_name(int32_t error) {
    return u_errorName((UErrorCode)error);
}
