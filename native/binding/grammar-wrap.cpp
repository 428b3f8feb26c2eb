// See grammar-wrap.h. The wire format of the rules is src/grammar/native-rules.ts's.
#include "grammar-wrap.h"

#include <algorithm>

#include "addon-data.h"
#include "args.h"
#include "errors.h"
#include "grammar/mask-audit.h"

namespace fathom_binding {

namespace {

std::vector<uint32_t> copy(const Napi::Uint32Array & a) { return std::vector<uint32_t>(a.Data(), a.Data() + a.ElementLength()); }

// { elements: [kind, value]..., alternatives, ruleAlternatives [n_rules + 1], classes: [negated, count, (first, last)...]..., names, root }
fathom::GrammarRules read_rules(Napi::Env env, Napi::Object o) {
    fathom::GrammarRules rules;
    const std::vector<uint32_t> elements = copy(read_uint32_array(env, o.Get("elements"), "elements"));
    const std::vector<uint32_t> alternatives = copy(read_uint32_array(env, o.Get("alternatives"), "alternatives"));
    const std::vector<uint32_t> rule_alternatives = copy(read_uint32_array(env, o.Get("ruleAlternatives"), "ruleAlternatives"));
    const std::vector<uint32_t> classes = copy(read_uint32_array(env, o.Get("classes"), "classes"));
    FATHOM_REQUIRE(env, elements.size() % 2 == 0, "elements must be [kind, value] pairs");
    for (size_t i = 0; i < elements.size(); i += 2) {
        FATHOM_REQUIRE(env, elements[i] <= static_cast<uint32_t>(fathom::GrammarElementKind::End), "unknown grammar element kind");
        rules.elements.push_back({static_cast<fathom::GrammarElementKind>(elements[i]), elements[i + 1]});
    }
    FATHOM_REQUIRE(env, !rule_alternatives.empty(), "ruleAlternatives must hold n_rules + 1 offsets");
    for (size_t r = 0; r + 1 < rule_alternatives.size(); r++) {
        const uint32_t first = rule_alternatives[r], last = rule_alternatives[r + 1];
        FATHOM_REQUIRE(env, first <= last && last <= alternatives.size(), "ruleAlternatives must be ascending offsets into alternatives");
        std::vector<uint32_t> starts(alternatives.begin() + first, alternatives.begin() + last);
        for (uint32_t s : starts) FATHOM_REQUIRE(env, s < rules.elements.size(), "an alternative starts past the elements");
        rules.alternatives.push_back(std::move(starts));
    }
    for (size_t i = 0; i < classes.size();) {
        FATHOM_REQUIRE(env, i + 2 <= classes.size() && classes[i + 1] <= (classes.size() - i - 2) / 2, "a character class runs past the classes");
        const bool negated = classes[i] != 0;
        const uint32_t count = classes[i + 1];
        std::vector<fathom::CharRange> ranges;
        for (uint32_t k = 0; k < count; k++) {
            const uint32_t first = classes[i + 2 + 2 * k], last = classes[i + 3 + 2 * k];
            FATHOM_REQUIRE(env, first <= last && last <= 0x10FFFF, "a character range must be ascending code points");
            ranges.push_back({first, last});
        }
        rules.classes.emplace_back(std::move(ranges), negated);
        i += 2 + 2 * static_cast<size_t>(count);
    }
    Napi::Value names = o.Get("names");
    FATHOM_REQUIRE(env, names.IsArray(), "names must be an array of strings");
    Napi::Array list = names.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
        Napi::Value name = list.Get(i);
        FATHOM_REQUIRE(env, name.IsString(), "names must be an array of strings");
        rules.names.push_back(name.As<Napi::String>().Utf8Value());
    }
    rules.root = read_uint32(env, o.Get("root"), "root");
    return rules;
}

}  // namespace

Napi::Function VocabularyWrap::define(Napi::Env env) { return DefineClass(env, "NativeGrammarVocabulary", {}); }

VocabularyWrap::VocabularyWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<VocabularyWrap>(info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() == 3, "NativeGrammarVocabulary(pieces: Uint8Array, offsets: Uint32Array, eog: Int32Array)");
    Napi::Uint8Array pieces = read_uint8_array(env, info[0], "pieces");
    std::vector<uint32_t> offsets = copy(read_uint32_array(env, info[1], "offsets"));
    const std::vector<fathom::Token> eog = read_tokens(env, info[2], "eog");
    std::vector<uint8_t> bytes(pieces.Data(), pieces.Data() + pieces.ElementLength());
    trie_ = guard(env, [&] { return std::make_shared<const fathom::TokenTrie>(std::move(bytes), std::move(offsets), eog); });
}

Napi::Function GrammarWrap::define(Napi::Env env) {
    return DefineClass(env, "NativeGrammar",
                       {InstanceMethod("matches", &GrammarWrap::matches), InstanceMethod("recordTimings", &GrammarWrap::record_timings),
                        InstanceMethod("takeTimings", &GrammarWrap::take_timings), InstanceMethod("auditMasks", &GrammarWrap::audit_masks)});
}

Napi::Value GrammarWrap::matches(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() == 1 && info[0].IsString(), "matches(text: string)");
    const std::string text = info[0].As<Napi::String>().Utf8Value();
    return Napi::Boolean::New(env, guard(env, [&] { return grammar_->matches(text); }));
}

GrammarWrap::GrammarWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<GrammarWrap>(info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() == 2 && info[0].IsObject() && info[0].As<Napi::Object>().InstanceOf(addon_data(env).vocabulary_class.Value()),
                   "NativeGrammar(vocabulary: NativeGrammarVocabulary, rules: object)");
    FATHOM_REQUIRE(env, info[1].IsObject(), "NativeGrammar(vocabulary, rules: object)");
    std::shared_ptr<const fathom::TokenTrie> trie = VocabularyWrap::Unwrap(info[0].As<Napi::Object>())->trie();
    fathom::GrammarRules rules = read_rules(env, info[1].As<Napi::Object>());
    grammar_ = guard(env, [&] { return std::make_shared<fathom::CompiledGrammar>(std::move(rules), trie); });
}

Napi::Value GrammarWrap::record_timings(const Napi::CallbackInfo & info) {
    FATHOM_REQUIRE(info.Env(), info.Length() == 1 && info[0].IsBoolean(), "recordTimings(on: boolean)");
    grammar_->record_timings(info[0].As<Napi::Boolean>().Value());
    return info.Env().Undefined();
}

Napi::Value GrammarWrap::take_timings(const Napi::CallbackInfo & info) {
    const std::vector<float> timings = grammar_->take_timings();
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), timings.size());
    std::copy(timings.begin(), timings.end(), out.Data());
    return out;
}

Napi::Value GrammarWrap::audit_masks(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() == 2 && info[0].IsNumber() && info[1].IsNumber(), "auditMasks(seed: number, steps: number)");
    const uint32_t seed = info[0].As<Napi::Number>().Uint32Value();
    const uint32_t steps = info[1].As<Napi::Number>().Uint32Value();
    // Each step checks every token on the JS thread: a test's walk, not a long one.
    FATHOM_REQUIRE(env, steps <= 1000, "auditMasks: steps must be at most 1000");
    const fathom::MaskAudit audit = guard(env, [&] { return fathom::audit_masks(grammar_, seed, steps); });
    Napi::Object out = Napi::Object::New(env);
    out.Set("steps", Napi::Number::New(env, audit.steps));
    Napi::Uint32Array at = Napi::Uint32Array::New(env, audit.steps_of.size());
    std::copy(audit.steps_of.begin(), audit.steps_of.end(), at.Data());
    Napi::Int32Array tokens = Napi::Int32Array::New(env, audit.disagreements.size());
    std::copy(audit.disagreements.begin(), audit.disagreements.end(), tokens.Data());
    out.Set("at", at);
    out.Set("tokens", tokens);
    return out;
}

}  // namespace fathom_binding
